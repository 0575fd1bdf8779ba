using System.Numerics;

namespace Anchor.Core.Merkle;

/// <summary>
/// Which stored nodes a proof needs (the shape), apart from where their hashes come from (storage).
/// Fetch the hashes of <see cref="Nodes"/> in order, then call <see cref="Fold"/>: the nodes in
/// [begin, end) cover one ephemeral node on the right border and are hashed into it.
/// After transparency-dev/merkle proof.go.
/// </summary>
public sealed class ProofShape
{
    private readonly int _begin;
    private readonly int _end;
    private readonly (ulong From, ulong Size) _folded;

    private ProofShape(IReadOnlyList<NodeId> nodes, int begin, int end, (ulong From, ulong Size) folded = default)
    {
        Nodes = nodes;
        _begin = begin;
        _end = end;
        _folded = folded;
    }

    /// <summary>Perfect nodes to fetch, in proof order (bottom-up).</summary>
    public IReadOnlyList<NodeId> Nodes { get; }

    /// <summary>RFC 9162 2.1.3.1: the inclusion proof of leaf <paramref name="index"/> in a tree of <paramref name="size"/>.</summary>
    public static ProofShape Inclusion(ulong index, ulong size)
    {
        if (index >= size) throw new ArgumentOutOfRangeException(nameof(index), $"index {index} is not below size {size}");
        return Build(index, 0, size).SkipFirst();
    }

    /// <summary>RFC 9162 2.1.4.1: the consistency proof between sizes <paramref name="size1"/> ≤ <paramref name="size2"/>.</summary>
    public static ProofShape Consistency(ulong size1, ulong size2)
    {
        if (size1 > size2) throw new ArgumentOutOfRangeException(nameof(size1), $"size1 {size1} is above size2 {size2}");
        if (size1 == size2 || size1 == 0) return new ProofShape([], 0, 0);
        // The largest perfect subtree that ends at size1 is the seed of the proof.
        var level = BitOperations.TrailingZeroCount(size1);
        var index = (size1 - 1) >> level;
        var shape = Build(index, level, size2);
        // When size1 is a power of two the seed is the old root itself, which the verifier already has.
        return index == 0 ? shape.SkipFirst() : shape;
    }

    /// <summary>Turns the fetched hashes (one per node, same order) into the proof.</summary>
    /// <param name="hashes">The hashes of <see cref="Nodes"/>, in order.</param>
    /// <param name="ephemeral">
    /// Optional memory of ephemeral nodes, by the leaves they cover (from, size): the same for every proof in one tree,
    /// so a caller serving proofs of one log can keep them. Only for hashes of one log, whose trees never change.
    /// </param>
    public List<byte[]> Fold(IReadOnlyList<byte[]> hashes, LruCache<(ulong From, ulong Size), byte[]>? ephemeral = null)
    {
        if (hashes.Count != Nodes.Count) throw new ArgumentException($"expected {Nodes.Count} hashes, got {hashes.Count}");
        var proof = new List<byte[]>(hashes.Count);
        for (var i = 0; i < _begin; i++) proof.Add(hashes[i]);
        if (_begin < _end)
        {
            // The right-border nodes come lowest first; each is the left sibling of what was built so far.
            if (ephemeral is null || !ephemeral.TryGet(_folded, out var hash))
            {
                hash = hashes[_begin];
                for (var i = _begin + 1; i < _end; i++) hash = TreeHasher.HashChildren(hashes[i], hash);
                ephemeral?.Set(_folded, hash);
            }
            proof.Add(hash);
        }
        for (var i = Math.Max(_end, _begin); i < hashes.Count; i++) proof.Add(hashes[i]);
        return proof;
    }

    private static ProofShape Build(ulong index, int level, ulong size)
    {
        // The fork is where the path to (level, index) leaves the path to the right border (0, size);
        // its sibling is the ephemeral node, and `inner` levels separate the seed from the fork.
        var inner = BitLength(index ^ (size >> level)) - 1;
        var fork = new NodeId(level + inner, index >> inner);
        var right = RangeNodes(fork.End, size);
        var left = RangeNodes(0, fork.Begin);

        var nodes = new List<NodeId>(1 + inner + right.Count + left.Count);
        var node = new NodeId(level, index);
        nodes.Add(node);
        for (; node.Level < fork.Level; node = node.Parent) nodes.Add(node.Sibling);
        var begin = nodes.Count;
        // Right-border nodes, reversed so that folding goes from the lowest level up.
        for (var i = right.Count - 1; i >= 0; i--) nodes.Add(right[i]);
        var end = nodes.Count;
        for (var i = left.Count - 1; i >= 0; i--) nodes.Add(left[i]);
        // One node alone already is the ephemeral node's hash: nothing to fold.
        if (begin + 1 >= end) begin = end = 0;
        return new ProofShape(nodes, begin, end, (fork.End, size));
    }

    private ProofShape SkipFirst()
    {
        var nodes = Nodes.Skip(1).ToList();
        return _begin < _end ? new ProofShape(nodes, _begin - 1, _end - 1, _folded) : new ProofShape(nodes, 0, 0);
    }

    /// <summary>The perfect nodes covering [begin, end), left to right (compact range decomposition).</summary>
    internal static List<NodeId> RangeNodes(ulong begin, ulong end)
    {
        var (left, right) = Decompose(begin, end);
        var ids = new List<NodeId>(BitOperations.PopCount(left) + BitOperations.PopCount(right));
        var pos = begin;
        // Left border: perfect subtrees from lower to upper levels.
        while (left != 0)
        {
            var level = BitOperations.TrailingZeroCount(left);
            ids.Add(new NodeId(level, pos >> level));
            pos += 1UL << level;
            left ^= 1UL << level;
        }
        // Right border: from upper to lower levels.
        while (right != 0)
        {
            var level = BitLength(right) - 1;
            ids.Add(new NodeId(level, pos >> level));
            pos += 1UL << level;
            right ^= 1UL << level;
        }
        return ids;
    }

    private static (ulong Left, ulong Right) Decompose(ulong begin, ulong end)
    {
        if (begin == 0) return (0, end);
        var xbegin = begin - 1;
        // Below the level where the paths to leaves begin-1 and end diverge, zero bits of begin-1
        // are left-border subtrees and one bits of end are right-border subtrees.
        var d = BitLength(xbegin ^ end) - 1;
        var mask = (1UL << d) - 1;
        return (~xbegin & mask, end & mask);
    }

    internal static int BitLength(ulong x) => 64 - BitOperations.LeadingZeroCount(x);
}
