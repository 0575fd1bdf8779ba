using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

public class TileIdTests
{
    [Theory]
    [InlineData(0, 0UL, 256, "tile/0/000")]
    [InlineData(1, 1234067UL, 256, "tile/1/x001/x234/067")]
    [InlineData(0, 5UL, 3, "tile/0/005.p/3")]
    [InlineData(2, 1000UL, 17, "tile/2/x001/000.p/17")]
    public void PathsFollowTlogTiles(int level, ulong index, int width, string path)
    {
        var tile = new TileId(level, index, width);
        Assert.Equal(path, tile.Path);
        Assert.True(TileId.TryParse(path["tile/".Length..], out var parsed));
        Assert.Equal(tile, parsed);
    }

    [Theory]
    [InlineData("0/5")]
    [InlineData("0/0005")]
    [InlineData("0/x000/005")]
    [InlineData("0/001/002")]
    [InlineData("0/000.p/0")]
    [InlineData("0/000.p/256")]
    [InlineData("0/000.p/07")]
    [InlineData("a/000")]
    public void MalformedPathsAreRejected(string path) => Assert.False(TileId.TryParse(path, out _));

    [Fact]
    public void WidthsFollowTheTreeSize()
    {
        Assert.Equal(256, TileId.WidthAt(0, 0, 70000));
        Assert.Equal(70000 % 256, TileId.WidthAt(0, 70000 / 256, 70000));
        Assert.Equal(256, TileId.WidthAt(1, 0, 70000));
        Assert.Equal(70000 / 256 - 256, TileId.WidthAt(1, 1, 70000));
        Assert.Equal(1, TileId.WidthAt(2, 0, 70000));
        Assert.Equal(0, TileId.WidthAt(3, 0, 70000));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(100)]
    [InlineData(255)]
    [InlineData(256)]
    public void TileTreeHoldsEveryPerfectNodeAsTheRfcDefinesIt(int width)
    {
        // Row = leaf hashes; node (r, i) of the tile must be MTH of leaves [i·2^r, (i+1)·2^r), from the RFC recursion.
        var data = Enumerable.Range(0, width).Select(i => System.Text.Encoding.UTF8.GetBytes($"leaf {i}")).ToList();
        var reference = new ReferenceTree(data);
        var row = data.SelectMany(d => TreeHasher.HashLeaf(d)).ToArray();
        var tree = TileId.Tree(row, width);
        var checkedNodes = 0;
        for (var r = 0; r <= TileId.Height; r++)
            for (var i = 0; (i + 1) << r <= width; i++, checkedNodes++)
                Assert.Equal(reference.Mth(i << r, (i + 1) << r), FlatTree.Node(tree, (ulong)width, new NodeId(r, (ulong)i)));
        Assert.True(checkedNodes >= width);
        Assert.Throws<ArgumentException>(() => TileId.Tree(row, width + 1));
    }
}
