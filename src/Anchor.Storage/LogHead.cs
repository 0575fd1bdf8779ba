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

    /// <summary>
    /// The filling of <see cref="LogStore"/>'s caches this head was read in (<see cref="LogStore.ReadHeadAsync"/>); a head
    /// built elsewhere has 0 and is served without them.
    /// </summary>
    public int Epoch { get; init; }

    public string RootHex => Hex.Encode(Root);
}
