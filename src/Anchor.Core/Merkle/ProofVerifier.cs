using System.Numerics;

namespace Anchor.Core.Merkle;

/// <summary>
/// RFC 9162 section 2.1.3.2 and 2.1.4.2 verification, after transparency-dev/merkle verify.go.
/// Every method throws a <see cref="ProofError"/> subtype on rejection and returns normally on success.
/// </summary>
public static class ProofVerifier
{
    public static void VerifyInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        CheckRoot(root, "root");
        var computed = RootFromInclusion(index, size, leafHash, proof);
        Match(computed, root);
    }

    public static byte[] RootFromInclusion(ulong index, ulong size, ReadOnlySpan<byte> leafHash, IReadOnlyList<byte[]> proof)
    {
        if (index >= size) throw new ProofRangeError($"index {index} is not below tree size {size}");
        if (leafHash.Length != TreeHasher.HashSize) throw new ProofLengthError($"leaf hash is {leafHash.Length} bytes, want {TreeHasher.HashSize}");
        CheckHashSizes(proof);
        var (inner, border) = Decompose(index, size);
        if (proof.Count != inner + border) throw new ProofLengthError($"inclusion proof has {proof.Count} hashes, want {inner + border}");
        var hash = ChainInner(leafHash.ToArray(), proof, 0, inner, index);
        return ChainBorderRight(hash, proof, inner, proof.Count);
    }

    public static void VerifyConsistency(ulong size1, ulong size2, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root1, ReadOnlySpan<byte> root2)
    {
        if (size2 < size1) throw new ProofRangeError($"size2 {size2} is below size1 {size1}");
        // Every tree extends the empty one, so a proof from size 0 proves nothing: the caller decides
        // what that case means (DESIGN A1), and the verifier refuses it rather than pass it silently.
        if (size1 == 0) throw new ProofRangeError("consistency from size 0 proves nothing; handle it before asking for a proof");
        CheckHashSizes(proof);
        if (size1 == size2)
        {
            if (proof.Count > 0) throw new ProofLengthError("sizes are equal but the proof is not empty");
            Match(root1.ToArray(), root2);
            return;
        }
        if (proof.Count == 0) throw new ProofLengthError("consistency proof is empty");

        var (inner, border) = Decompose(size1 - 1, size2);
        var shift = BitOperations.TrailingZeroCount(size1);
        inner -= shift; // shift < inner when size1 < size2.

        // The proof starts with the root of the perfect subtree of size 2^shift ending at size1,
        // unless size1 is that very power of two, whose root the verifier already holds.
        byte[] seed;
        int start;
        if (size1 == 1UL << shift) { seed = root1.ToArray(); start = 0; }
        else { seed = proof[0]; start = 1; }
        if (proof.Count != start + inner + border)
            throw new ProofLengthError($"consistency proof has {proof.Count} hashes, want {start + inner + border}");

        var mask = (size1 - 1) >> shift; // Chaining starts at level `shift`.
        var hash1 = ChainInnerRight(seed, proof, start, start + inner, mask);
        hash1 = ChainBorderRight(hash1, proof, start + inner, proof.Count);
        Match(hash1, root1);

        var hash2 = ChainInner(seed, proof, start, start + inner, mask);
        hash2 = ChainBorderRight(hash2, proof, start + inner, proof.Count);
        Match(hash2, root2);
    }

    /// <summary>Splits an inclusion proof into the part below the fork with the right border and the border part.</summary>
    private static (int Inner, int Border) Decompose(ulong index, ulong size)
    {
        // The inner part runs up to the level where the paths to index and size-1 meet.
        var inner = ProofShape.BitLength(index ^ (size - 1));
        // Above it, each one bit of index is a left sibling on the border.
        var border = BitOperations.PopCount(index >> inner);
        return (inner, border);
    }

    private static byte[] ChainInner(byte[] seed, IReadOnlyList<byte[]> proof, int from, int to, ulong index)
    {
        for (var i = from; i < to; i++)
            seed = ((index >> (i - from)) & 1) == 0 ? TreeHasher.HashChildren(seed, proof[i]) : TreeHasher.HashChildren(proof[i], seed);
        return seed;
    }

    /// <summary>Like <see cref="ChainInner"/> but only the left siblings: what the old tree had.</summary>
    private static byte[] ChainInnerRight(byte[] seed, IReadOnlyList<byte[]> proof, int from, int to, ulong index)
    {
        for (var i = from; i < to; i++)
            if (((index >> (i - from)) & 1) == 1) seed = TreeHasher.HashChildren(proof[i], seed);
        return seed;
    }

    private static byte[] ChainBorderRight(byte[] seed, IReadOnlyList<byte[]> proof, int from, int to)
    {
        for (var i = from; i < to; i++) seed = TreeHasher.HashChildren(proof[i], seed);
        return seed;
    }

    private static void CheckRoot(ReadOnlySpan<byte> root, string name)
    {
        if (root.Length != TreeHasher.HashSize) throw new ProofLengthError($"{name} is {root.Length} bytes, want {TreeHasher.HashSize}");
    }

    private static void CheckHashSizes(IReadOnlyList<byte[]> proof)
    {
        for (var i = 0; i < proof.Count; i++)
            if (proof[i].Length != TreeHasher.HashSize)
                throw new ProofLengthError($"proof hash {i} is {proof[i].Length} bytes, want {TreeHasher.HashSize}");
    }

    private static void Match(byte[] computed, ReadOnlySpan<byte> expected)
    {
        if (!expected.SequenceEqual(computed)) throw new RootMismatchError(computed, expected.ToArray());
    }
}
