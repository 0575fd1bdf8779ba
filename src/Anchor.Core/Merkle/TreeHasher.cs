using System.Security.Cryptography;

namespace Anchor.Core.Merkle;

/// <summary>RFC 9162 section 2.1.1 hashing: leaves and interior nodes are domain-separated by a prefix byte.</summary>
public static class TreeHasher
{
    public const int HashSize = 32;

    /// <summary>MTH({}) = SHA-256() — the root of the empty tree.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>MTH({d(0)}) = SHA-256(0x00 || d(0)).</summary>
    public static byte[] HashLeaf(ReadOnlySpan<byte> leafData)
    {
        var hash = new byte[HashSize];
        HashLeaf(leafData, hash);
        return hash;
    }

    public static void HashLeaf(ReadOnlySpan<byte> leafData, Span<byte> destination)
    {
        // Entries are a few hundred bytes: one-shot hashing of a copy costs less than creating an incremental context.
        if (leafData.Length < 4096)
        {
            Span<byte> buffer = stackalloc byte[1 + leafData.Length];
            buffer[0] = 0x00;
            leafData.CopyTo(buffer[1..]);
            SHA256.HashData(buffer, destination);
            return;
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(leafData);
        sha.GetHashAndReset(destination);
    }

    /// <summary>MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])).</summary>
    public static byte[] HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[HashSize];
        HashChildren(left, right, hash);
        return hash;
    }

    public static void HashChildren(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> destination)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * HashSize];
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + HashSize)..]);
        SHA256.HashData(buffer, destination);
    }

    /// <summary>The root of the given leaf hashes, by the compact range (O(log n) memory).</summary>
    public static byte[] Root(IEnumerable<byte[]> leafHashes)
    {
        var range = new CompactRange();
        foreach (var leaf in leafHashes) range.Append(leaf);
        return range.Root();
    }
}
