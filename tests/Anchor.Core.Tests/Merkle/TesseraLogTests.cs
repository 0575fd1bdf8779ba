using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>A 15-entry log written by transparency-dev/tessera: our math must reproduce its tiles and roots.</summary>
public class TesseraLogTests
{
    private static readonly string[] Words =
        ["one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf", "threeten", "fourten", "fivten"];

    public static TheoryData<int> Sizes() => [.. Enumerable.Range(1, 15)];

    [Theory]
    [MemberData(nameof(Sizes))]
    public void LevelZeroTileHoldsOurLeafHashes(int size)
    {
        var tile = new TileId(0, 0, size);
        var bytes = File.ReadAllBytes(TestData.Vector("tessera-log", tile.Path));
        var expected = Words.Take(size).SelectMany(w => TreeHasher.HashLeaf(System.Text.Encoding.ASCII.GetBytes(w))).ToArray();
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EntryBundleHoldsTheWords(int size)
    {
        var bytes = File.ReadAllBytes(TestData.Vector("tessera-log", new TileId(0, 0, size).EntriesPath));
        var words = new List<string>();
        for (var pos = 0; pos < bytes.Length;)
        {
            var length = bytes[pos] << 8 | bytes[pos + 1];
            words.Add(System.Text.Encoding.ASCII.GetString(bytes, pos + 2, length));
            pos += 2 + length;
        }
        Assert.Equal(Words.Take(size), words);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RootFromTileMatchesCheckpoint(int size)
    {
        var text = File.ReadAllText(TestData.Vector("tessera-log", $"checkpoint.{size}"));
        var lines = text.Split('\n');
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), lines[1]);
        var row = File.ReadAllBytes(TestData.Vector("tessera-log", new TileId(0, 0, size).Path));
        var range = new CompactRange();
        for (var i = 0; i < size; i++) range.Append(row.AsSpan(i * 32, 32));
        Assert.Equal(lines[2], Convert.ToBase64String(range.Root()));
    }
}
