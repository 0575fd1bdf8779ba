using Anchor.Core;
using Anchor.Core.Merkle;

namespace Anchor.Storage;

/// <summary>
/// What the log has durably committed: the first <see cref="Size"/> entries, their root, and the
/// signed checkpoint of that size. Everything stored at indices at or above Size is invisible.
/// </summary>
public sealed record LogHead(ulong Size, byte[] Root, string? Checkpoint)
{
    public static LogHead Empty { get; } = new(0, TreeHasher.EmptyRoot(), null);

    public string RootHex => Hex.Encode(Root);
}
