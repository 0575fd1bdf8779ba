using System.Globalization;
using Anchor.Core;
using Anchor.Core.Merkle;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// One atomic append: the entries at [OldSize, NewSize), the tile hashes they complete, their index
/// records and the new head. Built in memory from the compact range of the old head, then written by
/// <see cref="LogStore.TryAppendAsync"/> in a single Lua script that first compares the head.
/// </summary>
public sealed class LogBatch
{
    private readonly CompactRange _range;
    private readonly Dictionary<(int Level, ulong Index), (int Offset, List<byte[]> Hashes)> _tileWrites = [];

    public LogBatch(LogHead head, CompactRange range)
    {
        if (range.Size != head.Size) throw new ArgumentException($"range size {range.Size} is not head size {head.Size}");
        Old = head;
        _range = range.Clone();
    }

    public LogHead Old { get; }
    public ulong NewSize => _range.Size;
    public int Count => (int)(NewSize - Old.Size);

    /// <summary>The range after this batch, to resume from once the head has moved.</summary>
    public CompactRange Range => _range.Clone();

    public byte[] Root() => _range.Root();

    /// <summary>Appends one entry; returns its leaf index.</summary>
    public ulong Add(ReadOnlySpan<byte> leafData, ReadOnlySpan<byte> leafHash)
    {
        var index = _range.Size;
        _range.Append(leafHash, RecordTileNode);
        Op("H", LogKeys.EntryBundle(index), LogKeys.EntryField(index), leafData.ToArray());
        return index;
    }

    public void IndexByHash(string hashHex, ulong leafIndex) =>
        Op("L", LogKeys.ByHash(hashHex), leafIndex.ToString(CultureInfo.InvariantCulture), "");

    public void IndexByContract(string provider, string contractId, ulong leafIndex) =>
        Op("L", LogKeys.ByContract(provider, contractId), leafIndex.ToString(CultureInfo.InvariantCulture), "");

    public void IndexNonce(string provider, string nonce, ulong leafIndex, ReadOnlySpan<byte> digest) =>
        Op("H", LogKeys.Nonces(provider), nonce, NonceRecord.Format(leafIndex, digest));

    /// <summary>The Lua arguments after the head fields: tile writes, then the other operations.</summary>
    internal List<RedisValue> Operations()
    {
        var args = new List<RedisValue>(_opValues.Count + _tileWrites.Count * 4);
        foreach (var ((level, index), (offset, hashes)) in _tileWrites)
        {
            var bytes = new byte[hashes.Count * TreeHasher.HashSize];
            for (var i = 0; i < hashes.Count; i++) hashes[i].CopyTo(bytes, i * TreeHasher.HashSize);
            args.Add("R");
            args.Add(LogKeys.Tile(level, index));
            args.Add(offset * TreeHasher.HashSize);
            args.Add(bytes);
        }
        args.AddRange(_opValues);
        return args;
    }

    private readonly List<RedisValue> _opValues = [];

    private void Op(string op, string key, RedisValue a, RedisValue b)
    {
        _opValues.Add(op);
        _opValues.Add(key);
        _opValues.Add(a);
        _opValues.Add(b);
    }

    // Only nodes on Merkle levels 8·L are stored (tile level L); the levels between are recomputed
    // from them. Nodes of one batch in one tile are contiguous, so each tile gets one SETRANGE.
    private void RecordTileNode(NodeId node, byte[] hash)
    {
        if (node.Level % TileId.Height != 0) return;
        var key = (node.Level / TileId.Height, node.Index / TileId.FullWidth);
        var offset = (int)(node.Index % TileId.FullWidth);
        if (!_tileWrites.TryGetValue(key, out var write))
            _tileWrites[key] = write = (offset, []);
        write.Hashes.Add(hash);
    }
}
