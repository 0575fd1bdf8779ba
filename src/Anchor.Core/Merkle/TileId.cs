using System.Globalization;
using System.Text;

namespace Anchor.Core.Merkle;

/// <summary>
/// A c2sp.org/tlog-tiles tile: tile level L stores the hashes of Merkle level 8·L, 256 to a tile;
/// tile N at level L holds nodes [256·N, 256·N + Width) of that level. A partial tile (Width &lt; 256)
/// is published as <c>.p/W</c> until it fills.
/// </summary>
public readonly record struct TileId(int Level, ulong Index, int Width)
{
    public const int Height = 8;
    public const int FullWidth = 1 << Height;

    /// <summary>The tile that stores node (level·8, index), or null when the node is not on a stored row.</summary>
    public static TileId? Storing(NodeId node, ulong treeSize)
    {
        if (node.Level % Height != 0) return null;
        var level = node.Level / Height;
        var index = node.Index / FullWidth;
        return new TileId(level, index, WidthAt(level, index, treeSize));
    }

    /// <summary>How many hashes tile (level, index) holds in a tree of <paramref name="treeSize"/>.</summary>
    public static int WidthAt(int level, ulong index, ulong treeSize)
    {
        var rowSize = treeSize >> (Height * level); // Complete nodes on Merkle level 8·level.
        var start = index * FullWidth;
        return rowSize <= start ? 0 : (int)Math.Min((ulong)FullWidth, rowSize - start);
    }

    /// <summary>Every tile of a tree of <paramref name="treeSize"/>, lowest level first.</summary>
    public static IEnumerable<TileId> All(ulong treeSize)
    {
        for (var level = 0; (treeSize >> (Height * level)) > 0; level++)
        {
            var rowSize = treeSize >> (Height * level);
            for (ulong index = 0; index * FullWidth < rowSize; index++)
                yield return new TileId(level, index, WidthAt(level, index, treeSize));
        }
    }

    public bool IsPartial => Width < FullWidth;

    /// <summary><c>tile/L/N[.p/W]</c>, N in groups of three digits with an <c>x</c> before all but the last.</summary>
    public string Path => $"tile/{Level}/{EncodeIndex(Index)}{(IsPartial ? $".p/{Width}" : "")}";

    /// <summary><c>tile/entries/N[.p/W]</c>, the entry bundle beside level-0 tile N.</summary>
    public string EntriesPath => $"tile/entries/{EncodeIndex(Index)}{(IsPartial ? $".p/{Width}" : "")}";

    public static string EncodeIndex(ulong n)
    {
        var groups = new List<string>();
        do { groups.Add((n % 1000).ToString("D3", CultureInfo.InvariantCulture)); n /= 1000; } while (n > 0);
        groups.Reverse();
        var sb = new StringBuilder();
        for (var i = 0; i < groups.Count; i++)
        {
            if (i > 0) sb.Append('/');
            if (i < groups.Count - 1) sb.Append('x');
            sb.Append(groups[i]);
        }
        return sb.ToString();
    }

    /// <summary>Parses the part after <c>tile/</c>: <c>L/N[.p/W]</c> (or <c>entries/N[.p/W]</c>, returned with Level -1).</summary>
    public static bool TryParse(string path, out TileId tile)
    {
        tile = default;
        var parts = path.Split('/');
        if (parts.Length < 2) return false;
        int level;
        if (parts[0] == "entries") level = -1;
        else if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out level) || level > 63 || parts[0].Length > 2) return false;

        var width = FullWidth;
        var rest = parts.AsSpan(1);
        if (rest.Length >= 2 && rest[^1].Length > 0 && rest[^2].EndsWith(".p", StringComparison.Ordinal))
        {
            if (!int.TryParse(rest[^1], NumberStyles.None, CultureInfo.InvariantCulture, out width) || width is < 1 or >= FullWidth
                || rest[^1] != width.ToString(CultureInfo.InvariantCulture)) return false;
            rest[^2] = rest[^2][..^2];
            rest = rest[..^1];
        }
        ulong index = 0;
        for (var i = 0; i < rest.Length; i++)
        {
            var group = rest[i];
            var last = i == rest.Length - 1;
            if (!last)
            {
                if (!group.StartsWith('x')) return false;
                group = group[1..];
            }
            if (group.Length != 3 || !ulong.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out var g)) return false;
            if (index > (ulong.MaxValue - g) / 1000) return false;
            index = index * 1000 + g;
        }
        if (rest.Length > 1 && rest[0] == "x000") return false; // No leading zero groups: one path per tile.
        tile = new TileId(level, index, width);
        return true;
    }

    /// <summary>
    /// Every perfect node inside a tile, computed once from its first <paramref name="width"/> row hashes: the
    /// <see cref="FlatTree"/> of that row, so node (8·tileLevel + r, i) of the log is node (r, i mod 256/2^r) of it.
    /// A proof then costs lookups instead of up to 255 SHA-256 per tile it touches.
    /// </summary>
    public static byte[] Tree(ReadOnlySpan<byte> row, int width)
    {
        if (width is < 1 or > FullWidth || row.Length < width * TreeHasher.HashSize)
            throw new ArgumentException($"a tile row of {row.Length} bytes does not hold {width} hashes");
        return FlatTree.Build(row[..(width * TreeHasher.HashSize)]);
    }

    /// <summary>
    /// The hash of node (8·tileLevel + r, i) from the tile's row hashes: the subtree of the 2^r row
    /// nodes starting at i·2^r. <paramref name="row"/> holds the tile's hashes, 32 bytes each.
    /// </summary>
    public static byte[] SubtreeHash(ReadOnlySpan<byte> row, int firstInTile, int count)
    {
        if (count == 1) return row.Slice(firstInTile * TreeHasher.HashSize, TreeHasher.HashSize).ToArray();
        var half = count / 2;
        return TreeHasher.HashChildren(SubtreeHash(row, firstInTile, half), SubtreeHash(row, firstInTile + half, half));
    }
}
