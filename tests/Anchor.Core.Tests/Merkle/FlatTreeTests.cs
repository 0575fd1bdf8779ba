using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>The flat tree of a provider batch: its offsets, root and paths against RFC 9162 written out literally.</summary>
public sealed class FlatTreeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(100)]
    [InlineData(257)]
    public void Every_path_and_the_root_match_the_rfc_recursion(int size)
    {
        var data = Enumerable.Range(0, size).Select(TestLeaves.Data).ToList();
        var reference = new ReferenceTree(data);
        var tree = FlatTree.Build([.. data.Select(d => TreeHasher.HashLeaf(d))]);

        Assert.Equal((2 * size - System.Numerics.BitOperations.PopCount((uint)size)) * 32, tree.Length);
        Assert.Equal(reference.Mth(0, size), FlatTree.Root(tree, (ulong)size));
        for (var i = 0; i < size; i++)
            Assert.Equal(reference.Path(i, 0, size), FlatTree.Inclusion(tree, (ulong)size, (ulong)i));
    }

    [Fact]
    public void Node_l_i_is_the_hash_of_its_leaves_at_the_offset_the_size_gives()
    {
        const int size = 11;
        var data = Enumerable.Range(0, size).Select(TestLeaves.Data).ToList();
        var reference = new ReferenceTree(data);
        var tree = FlatTree.Build([.. data.Select(d => TreeHasher.HashLeaf(d))]);
        // Levels hold 11, 5, 2, 1 nodes: (1, 0) follows the 11 leaves, (3, 0) is the last hash.
        Assert.Equal(11UL, FlatTree.Offset(size, new NodeId(1, 0)));
        Assert.Equal(18UL, FlatTree.Offset(size, new NodeId(3, 0)));
        Assert.Equal(19UL, FlatTree.HashCount(size));
        for (var level = 0; level < 4; level++)
            for (var i = 0; (ulong)i < (ulong)size >> level; i++)
                Assert.Equal(reference.Mth(i << level, (i + 1) << level), FlatTree.Node(tree, size, new NodeId(level, (ulong)i)));
        // (0, 11) and (1, 5) are not perfect nodes of 11 leaves; (4, 0) would need 16.
        foreach (var outside in new[] { new NodeId(0, 11), new NodeId(1, 5), new NodeId(4, 0) })
            Assert.Throws<ArgumentOutOfRangeException>(() => FlatTree.Offset(size, outside));
        Assert.Throws<ArgumentException>(() => FlatTree.Inclusion(tree.AsSpan(32), size, 0));
    }
}
