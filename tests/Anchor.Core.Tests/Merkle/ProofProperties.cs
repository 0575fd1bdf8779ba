using Anchor.Core.Merkle;
using FsCheck;
using FsCheck.Xunit;

namespace Anchor.Core.Tests.Merkle;

/// <summary>Properties over random trees: proofs verify, and any one-bit change is rejected.</summary>
public class ProofProperties
{
    private const int MaxSize = 1100;
    private static readonly List<byte[]> Leaves = [.. Enumerable.Range(0, MaxSize).Select(TestLeaves.Data)];
    private static readonly MemoryTree Tree = Build();
    private static readonly ReferenceTree Reference = new([.. Enumerable.Range(0, 2 * MaxSize + 1024).Select(TestLeaves.Data)]);

    private static MemoryTree Build()
    {
        var tree = new MemoryTree();
        foreach (var leaf in Leaves) tree.AppendData(leaf);
        return tree;
    }

    private static (ulong Index, ulong Size) Pick(int a, int b)
    {
        var size = (ulong)(Math.Abs(a) % MaxSize) + 1;
        return ((ulong)Math.Abs(b) % size, size);
    }

    [Property(MaxTest = 300)]
    public void GeneratedInclusionProofVerifies(int a, int b)
    {
        var (index, size) = Pick(a, b);
        ProofVerifier.VerifyInclusion(index, size, Reference.Mth((int)index, (int)index + 1), Tree.Inclusion(index, size), Reference.Mth(0, (int)size));
    }

    [Property(MaxTest = 300)]
    public void FlippedProofBitFailsInclusion(int a, int b, NonNegativeInt which, NonNegativeInt bit)
    {
        var (index, size) = Pick(a, b);
        var proof = Tree.Inclusion(index, size);
        if (proof.Count == 0) return; // Size 1: nothing to flip.
        var j = which.Get % proof.Count;
        proof[j] = (byte[])proof[j].Clone();
        proof[j][bit.Get % 32 / 8] ^= (byte)(1 << (bit.Get % 8));
        Assert.ThrowsAny<ProofError>(() => ProofVerifier.VerifyInclusion(index, size, Reference.Mth((int)index, (int)index + 1), proof, Reference.Mth(0, (int)size)));
    }

    [Property(MaxTest = 300)]
    public void FlippedIndexBitFailsInclusion(int a, int b, NonNegativeInt bit)
    {
        var (index, size) = Pick(a, b);
        var proof = Tree.Inclusion(index, size);
        var i2 = index ^ (1UL << (bit.Get % 12));
        Assert.ThrowsAny<ProofError>(() => ProofVerifier.VerifyInclusion(i2, size, Reference.Mth((int)index, (int)index + 1), proof, Reference.Mth(0, (int)size)));
    }

    /// <summary>
    /// The size is bound by the checkpoint that signs (size, root), not by the path alone: the path of
    /// leaf 0 in a tree of 6 also folds to the same root when read as a tree of 7. So a flipped size is
    /// checked against the root that a checkpoint of that size would carry.
    /// </summary>
    [Property(MaxTest = 300)]
    public void FlippedSizeBitFailsInclusionAgainstThatSizesRoot(int a, int b, NonNegativeInt bit)
    {
        var (index, size) = Pick(a, b);
        var proof = Tree.Inclusion(index, size);
        var s2 = size ^ (1UL << (bit.Get % 10));
        Assert.ThrowsAny<ProofError>(() => ProofVerifier.VerifyInclusion(index, s2, Reference.Mth((int)index, (int)index + 1), proof, Reference.Mth(0, (int)s2)));
    }

    [Property(MaxTest = 300)]
    public void ConsistencyProofVerifiesAndRejectsABitFlip(int a, int b, NonNegativeInt which, NonNegativeInt bit)
    {
        var (m, n) = Pick(a, b);
        m += 1; // 1 ≤ m ≤ n
        var proof = Tree.Consistency(m, n);
        var root1 = Reference.Mth(0, (int)m);
        var root2 = Reference.Mth(0, (int)n);
        ProofVerifier.VerifyConsistency(m, n, proof, root1, root2);
        if (proof.Count == 0) return;
        var j = which.Get % proof.Count;
        proof[j] = (byte[])proof[j].Clone();
        proof[j][bit.Get % 32 / 8] ^= (byte)(1 << (bit.Get % 8));
        Assert.ThrowsAny<ProofError>(() => ProofVerifier.VerifyConsistency(m, n, proof, root1, root2));
    }

    [Property(MaxTest = 200)]
    public void CompactRangeRootEqualsReference(int a)
    {
        var size = Math.Abs(a) % MaxSize;
        var range = new CompactRange();
        for (var i = 0; i < size; i++) range.Append(TreeHasher.HashLeaf(Leaves[i]));
        Assert.Equal(Reference.Mth(0, size), range.Root());
    }
}
