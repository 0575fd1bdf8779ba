using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>
/// Range proofs (the batch receipt's proof) against the literal RFC 9162 recursion of <see cref="ReferenceTree"/>: the
/// proof's nodes are the MTH of the ranges they name, and the leaves with the proof fold to MTH(D[size]).
/// </summary>
public class RangeProofTests
{
    private const int MaxSize = 300;
    private static readonly List<byte[]> Leaves = [.. Enumerable.Range(0, MaxSize).Select(TestLeaves.Data)];
    private static readonly ReferenceTree Reference = new(Leaves);
    private static readonly MemoryTree Tree = Build();

    private static MemoryTree Build()
    {
        var tree = new MemoryTree();
        foreach (var leaf in Leaves) tree.AppendData(leaf);
        return tree;
    }

    private static List<byte[]> LeafHashes(int first, int count) => [.. Enumerable.Range(first, count).Select(i => Tree.LeafHash((ulong)i))];

    private static void Check(int first, int count, int size)
    {
        var (leftIds, rightIds) = RangeProof.Shape((ulong)first, (ulong)count, (ulong)size);
        var (left, right) = Tree.Range((ulong)first, (ulong)count, (ulong)size);
        // Each node is the RFC's MTH of the leaves it covers, and together they tile [0, first) and [end, size).
        for (var i = 0; i < leftIds.Count; i++) Assert.Equal(Reference.Mth((int)leftIds[i].Begin, (int)leftIds[i].End), left[i]);
        for (var i = 0; i < rightIds.Count; i++) Assert.Equal(Reference.Mth((int)rightIds[i].Begin, (int)rightIds[i].End), right[i]);
        Assert.Equal((ulong)first, leftIds.Aggregate(0UL, (at, id) => at == id.Begin ? id.End : throw new Xunit.Sdk.XunitException($"left gap at {at}")));
        Assert.Equal((ulong)size, rightIds.Aggregate((ulong)(first + count), (at, id) => at == id.Begin ? id.End : throw new Xunit.Sdk.XunitException($"right gap at {at}")));
        Assert.Equal(Reference.Mth(0, size), RangeProof.RootFromRange((ulong)first, LeafHashes(first, count), (ulong)size, left, right));
    }

    [Fact]
    public void EveryRangeOfEverySizeUpTo64FoldsToTheRfcRoot()
    {
        for (var size = 1; size <= 64; size++)
            for (var first = 0; first < size; first++)
                for (var count = 1; first + count <= size; count++)
                    Check(first, count, size);
    }

    /// <summary>
    /// Every (first, size) up to 300, with the counts whose shapes differ most: one to four leaves, the whole rest, and a
    /// power of two. (All counts up to 300 would fold about 3·10^8 hashes; up to 64 they are all checked above.)
    /// </summary>
    [Fact]
    public void EveryStartOfEverySizeUpTo300FoldsToTheRfcRoot()
    {
        for (var size = 65; size <= MaxSize; size++)
            for (var first = 0; first < size; first++)
                foreach (var count in new[] { 1, 2, 3, 4, size - first, 1 << (int)Math.Log2(size - first) }.Distinct())
                    if (count >= 1 && first + count <= size) Check(first, count, size);
    }

    [Fact]
    public void EveryMutationIsRefused()
    {
        const int first = 37, count = 100, size = 259;
        var leaves = LeafHashes(first, count);
        var (left, right) = Tree.Range(first, count, size);
        var root = Reference.Mth(0, size);
        RangeProof.Verify(first, leaves, size, left, right, root);

        // One flipped bit anywhere: in a leaf, a left node or a right node.
        foreach (var (list, name) in new[] { (leaves, "leaf"), (left, "left"), (right, "right") })
            for (var i = 0; i < list.Count; i++)
            {
                var copy = list.Select(h => h.ToArray()).ToList();
                copy[i][i % 32] ^= 0x01;
                var (l, r, x) = name switch { "leaf" => (left, right, copy), "left" => (copy, right, leaves), _ => (left, copy, leaves) };
                Assert.Throws<RootMismatchError>(() => RangeProof.Verify(first, x, size, l, r, root));
            }
        // Leaves out of order, one leaf more or less, the range moved, another size: refused.
        List<byte[]> swapped = [leaves[1], leaves[0], .. leaves.Skip(2)];
        Assert.Throws<RootMismatchError>(() => RangeProof.Verify(first, swapped, size, left, right, root));
        Assert.ThrowsAny<ProofError>(() => RangeProof.Verify(first, leaves.Take(count - 1).ToList(), size, left, right, root));
        Assert.ThrowsAny<ProofError>(() => RangeProof.Verify(first + 1, leaves, size, left, right, root));
        Assert.ThrowsAny<ProofError>(() => RangeProof.Verify(first, leaves, size + 1, left, right, root));
        Assert.ThrowsAny<ProofError>(() => RangeProof.Verify(first, leaves, size, left.Skip(1).ToList(), right, root));
        Assert.ThrowsAny<ProofError>(() => RangeProof.Verify(first, leaves, size, left, [.. right, right[0]], root));
        Assert.Throws<ProofRangeError>(() => RangeProof.Verify(first, leaves, first + count - 1, left, right, root));
        Assert.Throws<ProofRangeError>(() => RangeProof.Verify(first, [], size, left, right, root));
        Assert.Throws<ProofLengthError>(() => RangeProof.Verify(first, leaves, size, [.. left.Take(left.Count - 1), new byte[31]], right, root));
    }
}
