using System.Numerics;

namespace Anchor.Core.Merkle;

/// <summary>
/// Every perfect node of a tree of size N in one byte string, level by level: the N leaf hashes, then the ⌊N/2⌋ nodes
/// of level 1, and so on, 32 bytes each. Node (l, i) sits at hash Σ_{k&lt;l} ⌊N/2^k⌋ + i, so the nodes of one inclusion
/// path can be read by offset knowing only N. A provider batch keeps its tree this way (Anchor.Storage).
/// </summary>
public static class FlatTree
{
    private const int Hash = TreeHasher.HashSize;

    /// <summary>Σ_k ⌊N/2^k⌋ = 2N − popcount(N): how many perfect nodes a tree of size N has.</summary>
    public static ulong HashCount(ulong size) => checked(2 * size) - (ulong)BitOperations.PopCount(size);

    /// <summary>Where node (l, i) is, counted in hashes: all of levels 0 … l−1 come first.</summary>
    public static ulong Offset(ulong size, NodeId node)
    {
        if (node.Level is < 0 or > 63 || node.Index >= size >> node.Level)
            throw new ArgumentOutOfRangeException(nameof(node), $"node {node} is not a perfect node of a tree of size {size}");
        ulong offset = 0;
        for (var k = 0; k < node.Level; k++) offset += size >> k;
        return offset + node.Index;
    }

    /// <summary>The flat tree over <paramref name="leafHashes"/>: N − popcount(N) interior hashes computed, no more.</summary>
    public static byte[] Build(IReadOnlyList<byte[]> leafHashes)
    {
        var leaves = new byte[leafHashes.Count * Hash];
        for (var i = 0; i < leafHashes.Count; i++)
        {
            if (leafHashes[i].Length != Hash) throw new ArgumentException("leaf hashes must be 32 bytes");
            leafHashes[i].CopyTo(leaves, i * Hash);
        }
        return Build(leaves);
    }

    /// <summary>The flat tree over leaf hashes given back to back, 32 bytes each (a tile's row, say).</summary>
    public static byte[] Build(ReadOnlySpan<byte> leafHashes)
    {
        if (leafHashes.Length % Hash != 0) throw new ArgumentException("leaf hashes must be 32 bytes");
        var size = (ulong)(leafHashes.Length / Hash);
        var tree = new byte[checked((int)HashCount(size) * Hash)];
        leafHashes.CopyTo(tree);
        // Level l+1 node i is the parent of level l nodes 2i and 2i+1; `below` is where level l starts.
        var below = 0;
        for (var level = 1; size >> level > 0; level++)
        {
            var here = below + (int)(size >> (level - 1));
            for (var i = 0; i < (int)(size >> level); i++)
                TreeHasher.HashChildren(tree.AsSpan((below + 2 * i) * Hash, Hash), tree.AsSpan((below + 2 * i + 1) * Hash, Hash),
                    tree.AsSpan((here + i) * Hash, Hash));
            below = here;
        }
        return tree;
    }

    /// <summary>The hash of <paramref name="node"/> in the flat tree of <paramref name="size"/>.</summary>
    public static byte[] Node(ReadOnlySpan<byte> tree, ulong size, NodeId node)
    {
        CheckLength(tree, size);
        return tree.Slice(checked((int)Offset(size, node) * Hash), Hash).ToArray();
    }

    /// <summary>MTH of the whole tree: its compact range folded.</summary>
    public static byte[] Root(ReadOnlySpan<byte> tree, ulong size)
    {
        var hashes = new List<byte[]>();
        foreach (var node in CompactRange.Nodes(size)) hashes.Add(Node(tree, size, node));
        return new CompactRange(size, hashes).Root();
    }

    /// <summary>The RFC 9162 inclusion path of leaf <paramref name="index"/>, fetched and folded as storage does it.</summary>
    public static List<byte[]> Inclusion(ReadOnlySpan<byte> tree, ulong size, ulong index)
    {
        var shape = ProofShape.Inclusion(index, size);
        var hashes = new List<byte[]>(shape.Nodes.Count);
        foreach (var node in shape.Nodes) hashes.Add(Node(tree, size, node));
        return shape.Fold(hashes);
    }

    private static void CheckLength(ReadOnlySpan<byte> tree, ulong size)
    {
        if ((ulong)tree.Length != HashCount(size) * Hash)
            throw new ArgumentException($"a flat tree of size {size} is {HashCount(size) * Hash} bytes, got {tree.Length}");
    }
}
