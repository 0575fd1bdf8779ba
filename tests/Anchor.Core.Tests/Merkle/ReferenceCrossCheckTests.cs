using Anchor.Core;
using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>Generated proofs equal the literal RFC recursion for every size 1..300, every index and every pair of sizes.</summary>
public class ReferenceCrossCheckTests
{
    private const int MaxSize = 300;
    private static readonly List<byte[]> Leaves = [.. Enumerable.Range(0, MaxSize).Select(TestLeaves.Data)];
    private static readonly ReferenceTree Reference = new(Leaves);

    private static MemoryTree Tree()
    {
        var tree = new MemoryTree();
        foreach (var leaf in Leaves) tree.AppendData(leaf);
        return tree;
    }

    [Fact]
    public void RootsMatchForEverySize()
    {
        var tree = new MemoryTree();
        Assert.Equal(Reference.Mth(0, 0), tree.Root());
        for (var n = 1; n <= MaxSize; n++)
        {
            tree.AppendData(Leaves[n - 1]);
            Assert.Equal(Reference.Mth(0, n), tree.Root());
        }
    }

    [Fact]
    public void InclusionProofsMatchForEveryIndexAndSize()
    {
        var tree = Tree();
        for (var n = 1; n <= MaxSize; n++)
        {
            var root = Reference.Mth(0, n);
            for (var m = 0; m < n; m++)
            {
                var proof = tree.Inclusion((ulong)m, (ulong)n);
                Assert.Equal(Reference.Path(m, 0, n), proof);
                ProofVerifier.VerifyInclusion((ulong)m, (ulong)n, Reference.Mth(m, m + 1), proof, root);
            }
        }
    }

    [Fact]
    public void ConsistencyProofsMatchForEveryPairOfSizes()
    {
        var tree = Tree();
        for (var n = 1; n <= MaxSize; n++)
        {
            for (var m = 1; m <= n; m++)
            {
                var proof = tree.Consistency((ulong)m, (ulong)n);
                Assert.Equal(m == n ? [] : Reference.Proof(m, n), proof);
                ProofVerifier.VerifyConsistency((ulong)m, (ulong)n, proof, Reference.Mth(0, m), Reference.Mth(0, n));
            }
        }
    }

    [Fact]
    public void FoldingWithOneMemoryOfEphemeralNodesForAllProofsGivesTheReferenceProofs()
    {
        // What a proof server keeps across requests: the hashes each fold computed, by the leaves they cover.
        var ephemeral = new LruCache<(ulong From, ulong Size), byte[]>(100_000);
        List<byte[]> Fetch(ProofShape shape) =>
            shape.Fold([.. shape.Nodes.Select(id => Reference.Mth((int)id.Begin, (int)id.End))], ephemeral);
        for (var pass = 0; pass < 2; pass++) // The second pass takes every folded hash from the memory.
            for (var n = 1; n <= MaxSize; n += 7)
            {
                for (var m = 0; m < n; m++) Assert.Equal(Reference.Path(m, 0, n), Fetch(ProofShape.Inclusion((ulong)m, (ulong)n)));
                for (var m = 1; m < n; m++) Assert.Equal(Reference.Proof(m, n), Fetch(ProofShape.Consistency((ulong)m, (ulong)n)));
            }
        Assert.True(ephemeral.Count > 0);
    }

    [Fact]
    public void CompactRangeResumesFromStoredSubtrees()
    {
        for (var split = 0; split <= 40; split++)
        {
            var reference = new ReferenceTree(Leaves);
            var stored = CompactRange.Nodes((ulong)split).Select(id => reference.Mth((int)id.Begin, (int)id.End)).ToList();
            var range = new CompactRange((ulong)split, stored);
            for (var i = split; i < 64; i++) range.Append(TreeHasher.HashLeaf(Leaves[i]));
            Assert.Equal(reference.Mth(0, 64), range.Root());
        }
    }

    [Fact]
    public void ShapesRejectOutOfRangeArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofShape.Inclusion(5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ProofShape.Consistency(6, 5));
        Assert.Empty(ProofShape.Consistency(0, 5).Nodes);
        Assert.Empty(ProofShape.Consistency(5, 5).Nodes);
    }
}
