using Anchor.Core.Merkle;

namespace Anchor.Storage;

/// <summary>
/// A log's tree rebuilt leaf by leaf in bounded memory, for <see cref="LogAudit"/>: a compact range (O(log n) hashes)
/// gives the root at any size on the way, and the c2sp tiles the leaves make come out as they complete, so the audit
/// compares each with the stored one and forgets it. Row L of the tiles is tree level 8L; the range reports every
/// perfect node it creates, and those of a level 8L are the hashes of row L in order. At most one partial tile per row
/// is held (256 hashes), and the partial tiles are given by <see cref="Finish"/>.
/// </summary>
internal sealed class AuditTree
{
    private const int Hash = TreeHasher.HashSize;
    private readonly CompactRange _range = new();
    private readonly List<(byte[] Buffer, int Count)> _rows = []; // Row L: the hashes of its current (incomplete) tile.
    private readonly List<(int Level, ulong Index, byte[] Hashes)> _completed = [];

    public ulong Size => _range.Size;

    public byte[] Root() => _range.Root();

    public void Append(ReadOnlySpan<byte> leafHash) => _range.Append(leafHash, Visit);

    /// <summary>The tiles completed since the last call: (row, tile index, its 256 hashes).</summary>
    public List<(int Level, ulong Index, byte[] Hashes)> TakeCompleted()
    {
        var done = new List<(int, ulong, byte[])>(_completed);
        _completed.Clear();
        return done;
    }

    /// <summary>The last, partial tile of every row that has one (a tree of a size that is no multiple of 256^(L+1)).</summary>
    public List<(int Level, ulong Index, byte[] Hashes)> Finish()
    {
        var partial = TakeCompleted();
        for (var level = 0; level < _rows.Count; level++)
        {
            var (buffer, count) = _rows[level];
            if (count == 0) continue;
            // Row L holds Size >> 8L hashes; its last tile starts at the largest multiple of 256 below that.
            var width = Size >> (8 * level);
            partial.Add((level, width / TileId.FullWidth, buffer[..(count * Hash)]));
        }
        return partial;
    }

    private void Visit(NodeId id, byte[] hash)
    {
        if (id.Level % 8 != 0) return;
        var level = id.Level / 8;
        while (_rows.Count <= level) _rows.Add((new byte[TileId.FullWidth * Hash], 0));
        var (buffer, count) = _rows[level];
        hash.CopyTo(buffer, count * Hash);
        if (++count < TileId.FullWidth)
        {
            _rows[level] = (buffer, count);
            return;
        }
        _completed.Add((level, id.Index / TileId.FullWidth, buffer));
        _rows[level] = (new byte[TileId.FullWidth * Hash], 0);
    }
}
