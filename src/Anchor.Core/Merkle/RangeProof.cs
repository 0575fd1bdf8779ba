using System.Numerics;

namespace Anchor.Core.Merkle;

/// <summary>
/// The proof that the leaves [first, first + count) are the leaves at those places of the tree of a given size, all in
/// one: the compact range of [0, first) (left, as <see cref="CompactRange.Nodes"/> lists it) and the perfect nodes that
/// cover [first + count, size) (right, left to right). Appending the leaves and then the right nodes to the left range
/// rebuilds the compact range of [0, size), whose fold is the tree's root (RFC 9162 MTH). A batch of count records thus
/// needs O(log size) hashes instead of count inclusion proofs.
/// </summary>
public static class RangeProof
{
    /// <summary>The nodes a range proof holds: left, then right.</summary>
    public static (List<NodeId> Left, List<NodeId> Right) Shape(ulong first, ulong count, ulong size)
    {
        var end = End(first, count, size);
        return ([.. CompactRange.Nodes(first)], ProofShape.RangeNodes(end, size));
    }

    /// <summary>The root that the leaves and the proof fold to; throws a <see cref="ProofError"/> when the proof has the wrong shape.</summary>
    public static byte[] RootFromRange(ulong first, IReadOnlyList<byte[]> leafHashes, ulong size, IReadOnlyList<byte[]> left, IReadOnlyList<byte[]> right)
    {
        var end = End(first, (ulong)leafHashes.Count, size);
        var rightNodes = ProofShape.RangeNodes(end, size);
        if (left.Count != BitOperations.PopCount(first))
            throw new ProofLengthError($"a range from leaf {first} has {BitOperations.PopCount(first)} left hashes, got {left.Count}");
        if (right.Count != rightNodes.Count)
            throw new ProofLengthError($"a range ending at leaf {end} of {size} has {rightNodes.Count} right hashes, got {right.Count}");
        foreach (var h in left.Concat(right).Concat(leafHashes))
            if (h.Length != TreeHasher.HashSize) throw new ProofLengthError($"a proof hash is {h.Length} bytes, want {TreeHasher.HashSize}");
        var range = new CompactRange(first, left);
        foreach (var leaf in leafHashes) range.Append(leaf);
        for (var i = 0; i < right.Count; i++) range.AppendSubtree(rightNodes[i].Level, right[i]);
        return range.Root();
    }

    public static void Verify(ulong first, IReadOnlyList<byte[]> leafHashes, ulong size, IReadOnlyList<byte[]> left, IReadOnlyList<byte[]> right, ReadOnlySpan<byte> root)
    {
        var computed = RootFromRange(first, leafHashes, size, left, right);
        if (!root.SequenceEqual(computed)) throw new RootMismatchError(computed, root.ToArray());
    }

    private static ulong End(ulong first, ulong count, ulong size)
    {
        if (count == 0) throw new ProofRangeError("a range proof covers at least one leaf");
        if (first > size || count > size - first) throw new ProofRangeError($"leaves [{first}, {first}+{count}) are not inside a tree of size {size}");
        return first + count;
    }
}
