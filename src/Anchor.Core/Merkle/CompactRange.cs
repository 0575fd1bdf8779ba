using System.Numerics;

namespace Anchor.Core.Merkle;

/// <summary>
/// The compact range [0, size): one hash for each perfect subtree in the binary decomposition of
/// size, left to right (largest first). Appending a leaf merges equal-sized subtrees, so the log
/// grows one batch at a time while holding O(log n) hashes, and every perfect node that comes
/// into being is reported to a visitor (the storage writes it into a tile).
/// </summary>
public sealed class CompactRange
{
    private readonly List<byte[]> _hashes;

    public CompactRange() => _hashes = [];

    /// <summary>Resumes a range from the hashes of <see cref="Nodes(ulong)"/> for <paramref name="size"/>.</summary>
    public CompactRange(ulong size, IReadOnlyList<byte[]> hashes)
    {
        if (hashes.Count != BitOperations.PopCount(size))
            throw new ArgumentException($"a range of size {size} has {BitOperations.PopCount(size)} hashes, got {hashes.Count}");
        foreach (var h in hashes)
            if (h.Length != TreeHasher.HashSize) throw new ArgumentException("hashes must be 32 bytes");
        Size = size;
        _hashes = [.. hashes];
    }

    public ulong Size { get; private set; }

    /// <summary>The hashes of the perfect subtrees, left to right.</summary>
    public IReadOnlyList<byte[]> Hashes => _hashes;

    /// <summary>The IDs of the perfect subtrees that make up [0, size), left to right.</summary>
    public static IEnumerable<NodeId> Nodes(ulong size)
    {
        ulong begin = 0;
        // Each one bit of size, from the highest, is one perfect subtree at that level.
        for (var level = 63; level >= 0; level--)
        {
            var bit = 1UL << level;
            if ((size & bit) == 0) continue;
            yield return new NodeId(level, begin >> level);
            begin += bit;
        }
    }

    /// <summary>Appends a leaf hash; <paramref name="visit"/> sees the leaf and every node it completes.</summary>
    public void Append(ReadOnlySpan<byte> leafHash, Action<NodeId, byte[]>? visit = null) => AppendSubtree(0, leafHash, visit);

    /// <summary>
    /// Appends the hash of the perfect subtree of 2^<paramref name="level"/> leaves that starts at leaf <see cref="Size"/>
    /// (a leaf is level 0; a range proof's right nodes are higher). Size must be a multiple of the subtree's width, as the
    /// start of every aligned subtree is; <paramref name="visit"/> sees the subtree and every node it completes.
    /// </summary>
    public void AppendSubtree(int level, ReadOnlySpan<byte> hash, Action<NodeId, byte[]>? visit = null)
    {
        if (hash.Length != TreeHasher.HashSize) throw new ArgumentException("hashes must be 32 bytes");
        if (level is < 0 or > 62 || (Size & ((1UL << level) - 1)) != 0 || Size + (1UL << level) < Size)
            throw new ArgumentException($"a subtree of level {level} cannot start at leaf {Size}");
        var merged = hash.ToArray();
        var id = new NodeId(level, Size >> level);
        visit?.Invoke(id, merged);
        // A node with an odd index is a right child: its left sibling is the last hash in the range, of the same level
        // (Size has exactly `level` trailing zero bits then, so the range's smallest subtree has that width).
        while ((id.Index & 1) == 1)
        {
            var left = _hashes[^1];
            _hashes.RemoveAt(_hashes.Count - 1);
            merged = TreeHasher.HashChildren(left, merged);
            id = id.Parent;
            visit?.Invoke(id, merged);
        }
        _hashes.Add(merged);
        Size += 1UL << level;
    }

    /// <summary>MTH of [0, size): fold the subtrees right to left; the empty tree is SHA-256("").</summary>
    public byte[] Root()
    {
        if (_hashes.Count == 0) return TreeHasher.EmptyRoot();
        var root = _hashes[^1];
        for (var i = _hashes.Count - 2; i >= 0; i--)
            root = TreeHasher.HashChildren(_hashes[i], root);
        return root;
    }

    public CompactRange Clone() => new(Size, _hashes);
}
