namespace Anchor.Core.Merkle;

/// <summary>
/// A small tree held wholly in memory, every perfect node kept as the compact range produces it:
/// a provider batch (at most thousands of records) proves each of its records from this.
/// </summary>
public sealed class MemoryTree
{
    private readonly Dictionary<NodeId, byte[]> _nodes = [];
    private readonly CompactRange _range = new();

    public ulong Size => _range.Size;
    public byte[] Root() => _range.Root();

    public void AppendLeafHash(ReadOnlySpan<byte> leafHash) => _range.Append(leafHash, (id, hash) => _nodes[id] = hash);
    public void AppendData(ReadOnlySpan<byte> data) => AppendLeafHash(TreeHasher.HashLeaf(data));

    public byte[] LeafHash(ulong index) => _nodes[new NodeId(0, index)];

    public List<byte[]> Inclusion(ulong index, ulong size) => Fetch(ProofShape.Inclusion(index, size));
    public List<byte[]> Consistency(ulong size1, ulong size2) => Fetch(ProofShape.Consistency(size1, size2));

    /// <summary>The <see cref="RangeProof"/> of leaves [first, first + count) in the tree of <paramref name="size"/>.</summary>
    public (List<byte[]> Left, List<byte[]> Right) Range(ulong first, ulong count, ulong size)
    {
        var (left, right) = RangeProof.Shape(first, count, size);
        return ([.. left.Select(id => _nodes[id])], [.. right.Select(id => _nodes[id])]);
    }

    private List<byte[]> Fetch(ProofShape shape) => shape.Fold([.. shape.Nodes.Select(id => _nodes[id])]);
}
