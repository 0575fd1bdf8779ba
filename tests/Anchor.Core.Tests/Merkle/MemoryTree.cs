using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>A log held in memory the way storage holds it: every perfect node, produced by the compact range.</summary>
public sealed class MemoryTree
{
    private readonly Dictionary<NodeId, byte[]> _nodes = [];
    private readonly CompactRange _range = new();

    public ulong Size => _range.Size;
    public byte[] Root() => _range.Root();

    public void AppendData(byte[] data) => _range.Append(TreeHasher.HashLeaf(data), (id, hash) => _nodes[id] = hash);

    public List<byte[]> Inclusion(ulong index, ulong size) => Fetch(ProofShape.Inclusion(index, size));
    public List<byte[]> Consistency(ulong size1, ulong size2) => Fetch(ProofShape.Consistency(size1, size2));

    private List<byte[]> Fetch(ProofShape shape) => shape.Fold([.. shape.Nodes.Select(id => _nodes[id])]);

    public static byte[] LeafData(int i) => [(byte)i, (byte)(i >> 8), 0xa5];
}
