using System.Globalization;
using Anchor.Core;

namespace Anchor.Storage;

/// <summary>What the nonce index remembers of a record: where it went, and a digest of what it said.</summary>
public readonly record struct NonceRecord(ulong LeafIndex, byte[] Digest)
{
    public static string Format(ulong leafIndex, ReadOnlySpan<byte> digest) =>
        leafIndex.ToString(CultureInfo.InvariantCulture) + ":" + Hex.Encode(digest);

    public static NonceRecord? Parse(string? text)
    {
        if (text is null) return null;
        var colon = text.IndexOf(':');
        if (colon <= 0 || !ulong.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
        return Hex.TryDecode(text[(colon + 1)..], out var digest) ? new NonceRecord(index, digest) : null;
    }
}
