namespace Anchor.Core.Merkle;

/// <summary>
/// The rows that c2sp tlog-tiles store, recomputed from leaf hashes: row 0 is the leaf hashes, row L+1
/// holds the root of every complete group of 256 row-L hashes (tree level 8(L+1)). Tile (L, N) of any
/// tree size is the slice [256N, 256N + width) of row L. Used to audit stored tiles against entries.
/// </summary>
public static class TileRows
{
    /// <summary>Row L+1 from row L (32-byte hashes, concatenated); a trailing incomplete group makes no hash.</summary>
    public static byte[] Above(ReadOnlySpan<byte> row)
    {
        var groups = row.Length / TreeHasher.HashSize / TileId.FullWidth;
        var above = new byte[groups * TreeHasher.HashSize];
        for (var g = 0; g < groups; g++)
        {
            var group = row.Slice(g * TileId.FullWidth * TreeHasher.HashSize, TileId.FullWidth * TreeHasher.HashSize);
            TileId.SubtreeHash(group, 0, TileId.FullWidth).CopyTo(above, g * TreeHasher.HashSize);
        }
        return above;
    }

    /// <summary>The hashes of tile <paramref name="index"/> within <paramref name="row"/>: up to 256, fewer for the last.</summary>
    public static ReadOnlySpan<byte> Tile(ReadOnlySpan<byte> row, ulong index)
    {
        var start = checked((int)index * TileId.FullWidth * TreeHasher.HashSize);
        return row.Slice(start, Math.Min(TileId.FullWidth * TreeHasher.HashSize, row.Length - start));
    }

    /// <summary>How many tiles row <paramref name="row"/> spans (its last may be partial).</summary>
    public static ulong TileCount(ReadOnlySpan<byte> row) =>
        (ulong)((row.Length / TreeHasher.HashSize + TileId.FullWidth - 1) / TileId.FullWidth);
}
