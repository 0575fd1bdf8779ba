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
        var i = 0;
        foreach (var id in CompactRange.Nodes(range.Size)) _nodes[id] = range.Hashes[i++];
    }

    // Every perfect node of the new tree that a proof of its new leaves can need and the old tree's storage may not
    // cover cheaply: the old compact range and every node the appends complete. A node wholly left of the old size that
    // is not in the old compact range is never on the path of a new leaf (docs/formats.md, receipts).
    private readonly Dictionary<NodeId, byte[]> _nodes = [];

    /// <summary>A node hash held in memory (see above); false for older nodes, which are in storage.</summary>
    public bool TryGetNode(NodeId id, out byte[] hash) => _nodes.TryGetValue(id, out hash!);

    public LogHead Old { get; }
    public ulong NewSize => _range.Size;
    public int Count => (int)(NewSize - Old.Size);

    /// <summary>The range after this batch, to resume from once the head has moved.</summary>
    public CompactRange Range => _range.Clone();

    public byte[] Root() => _range.Root();

    /// <summary>Appends one entry, stored whole; returns its leaf index.</summary>
    public ulong Add(ReadOnlySpan<byte> leafData, ReadOnlySpan<byte> leafHash)
    {
        var index = _range.Size;
        _range.Append(leafHash, RecordNode);
        Op("H", LogKeys.EntryBundle(index), LogKeys.EntryField(index), EntryCodec.Pack(leafData));
        return index;
    }

    /// <summary>
    /// Appends record <paramref name="indexInBatch"/> of a provider batch, whose leaf data is
    /// <c>batch.Shared.LeafData(indexInBatch, evidence, batch.Inclusion(indexInBatch))</c>: only its evidence and place are
    /// stored with it. The batch itself is written once, as <c>batch/F</c> with F the first of its records in this append.
    /// </summary>
    public ulong Add(ReadOnlySpan<byte> leafHash, StoredBatch batch, ulong indexInBatch, ReadOnlySpan<byte> evidenceJson)
    {
        if (indexInBatch >= batch.Size) throw new ArgumentOutOfRangeException(nameof(indexInBatch), $"index {indexInBatch} is not below batch size {batch.Size}");
        var index = _range.Size;
        _range.Append(leafHash, RecordNode);
        if (!_batches.TryGetValue(batch, out var first))
        {
            _batches[batch] = first = index;
            Op("S", LogKeys.Batch(first), batch.Encode());
        }
        Op("H", LogKeys.EntryBundle(index), LogKeys.EntryField(index), BatchRecord.Encode(index - first, indexInBatch, batch.Size, evidenceJson));
        return index;
    }

    private readonly Dictionary<StoredBatch, ulong> _batches = new(ReferenceEqualityComparer.Instance);

    public void IndexByHash(string hashHex, ulong leafIndex)
    {
        var (key, field) = LogKeys.ByHash(hashHex);
        Append(key, field, leafIndex);
    }

    public void IndexByContract(string provider, string contractId, ulong leafIndex)
    {
        var (key, field) = LogKeys.ByContract(provider, contractId);
        Append(key, field, leafIndex);
    }

    public void IndexNonce(string provider, string nonce, ulong leafIndex)
    {
        var (key, field) = LogKeys.ByNonce(provider, nonce);
        Op("H", key, field, LogKeys.IndexValue(leafIndex));
    }

    /// <summary>Records, with the append that writes the revocation entry, that the key registered at <paramref name="registration"/> is revoked.</summary>
    public void IndexRevocation(ulong registration, ulong revocation) =>
        Op("H", LogKeys.Revocations, registration.ToString(CultureInfo.InvariantCulture), revocation.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The Lua arguments: <paramref name="first"/> (the head fields), then operations <c>op, k, n, arg1..argn</c>, tile
    /// writes first, where k is the position in <paramref name="keys"/> (1-based, as Lua's KEYS) of the key the operation
    /// writes, appended there under <paramref name="log"/>'s prefix. Writes to one key are grouped into one command (one
    /// HSET per entry bundle; an <c>A</c> op appends each value to its hash field; an <c>S</c> op SETs a batch's one value),
    /// in chunks small enough for Lua's unpack.
    /// </summary>
    internal RedisValue[] Arguments(LogKeys log, List<RedisKey> keys, ReadOnlySpan<RedisValue> first)
    {
        foreach (var ((key, field), indices) in _appends)
        {
            var value = new byte[indices.Count * 8];
            for (var i = 0; i < indices.Count; i++) System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(value.AsSpan(i * 8), indices[i]);
            Op("A", key, field, value);
        }
        _appends.Clear(); // Moved into the ops: a second call writes the same.
        // One array of the exact size (a commit of 4,000 records has ≈ 40,000 arguments): no list growing, no copy.
        var count = first.Length + 5 * _tileWrites.Count;
        foreach (var values in _ops.Values) count += values.Count + 3 * ((values.Count + MaxArgsPerCommand - 1) / MaxArgsPerCommand);
        var args = new RedisValue[count];
        first.CopyTo(args);
        var at = first.Length;
        foreach (var ((level, index), (offset, hashes)) in _tileWrites)
        {
            var bytes = new byte[hashes.Count * TreeHasher.HashSize];
            for (var i = 0; i < hashes.Count; i++) hashes[i].CopyTo(bytes, i * TreeHasher.HashSize);
            keys.Add(log.Full(LogKeys.Tile(level, index)));
            args[at++] = "R";
            args[at++] = keys.Count;
            args[at++] = 2;
            args[at++] = offset * TreeHasher.HashSize;
            args[at++] = bytes;
        }
        foreach (var ((op, key), values) in _ops)
        {
            keys.Add(log.Full(key));
            for (var from = 0; from < values.Count; from += MaxArgsPerCommand)
            {
                var n = Math.Min(MaxArgsPerCommand, values.Count - from);
                args[at++] = op;
                args[at++] = keys.Count;
                args[at++] = n;
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values).Slice(from, n).CopyTo(args.AsSpan(at));
                at += n;
            }
        }
        return args;
    }

    /// <summary>
    /// Appends a leaf index to an index field. Indices for one field in one batch travel as one value, so the script copies
    /// a field once per commit, not once per record (a batch of 10,000 records of one contract would copy its growing
    /// value 10,000 times).
    /// </summary>
    private void Append(string key, byte[] field, ulong leafIndex)
    {
        if (_appends.TryGetValue((key, field), out var value)) { value.Add(leafIndex); return; }
        _appends[(key, field)] = [leafIndex];
    }

    private readonly Dictionary<(string Key, byte[] Field), List<ulong>> _appends = new(AppendKey.Comparer);

    private sealed class AppendKey : IEqualityComparer<(string Key, byte[] Field)>
    {
        public static readonly AppendKey Comparer = new();
        public bool Equals((string Key, byte[] Field) a, (string Key, byte[] Field) b) => a.Key == b.Key && a.Field.AsSpan().SequenceEqual(b.Field);
        public int GetHashCode((string Key, byte[] Field) k) => HashCode.Combine(k.Key, System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(k.Field));
    }

    private const int MaxArgsPerCommand = 512; // Even, so HSET field/value pairs never split.
    private readonly Dictionary<(string Op, string Key), List<RedisValue>> _ops = [];

    private void Op(string op, string key, params ReadOnlySpan<RedisValue> values)
    {
        if (!_ops.TryGetValue((op, key), out var list)) _ops[(op, key)] = list = [];
        list.AddRange(values);
    }

    // Only nodes on Merkle levels 8·L are stored (tile level L); the levels between are recomputed
    // from them. Nodes of one batch in one tile are contiguous, so each tile gets one SETRANGE.
    private void RecordNode(NodeId node, byte[] hash)
    {
        _nodes[node] = hash;
        if (node.Level % TileId.Height != 0) return;
        var key = (node.Level / TileId.Height, node.Index / TileId.FullWidth);
        var offset = (int)(node.Index % TileId.FullWidth);
        if (!_tileWrites.TryGetValue(key, out var write))
            _tileWrites[key] = write = (offset, []);
        write.Hashes.Add(hash);
    }
}
