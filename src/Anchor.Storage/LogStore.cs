using System.Globalization;
using Anchor.Core;
using Anchor.Core.Merkle;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// The log in Redis: head, hash tiles, entries, indexes and kept checkpoints (layout in <see cref="LogKeys"/>).
/// Invariant: the head only moves by <see cref="TryAppendAsync"/>, a compare-and-swap on (size, root),
/// so a second sequencer, a stale silo or a restored backup can never fork the log; everything at or
/// above the head size is invisible to readers.
/// Committed tiles and provider batches never change while the log only grows, so what readers hash or parse of them is
/// kept in memory, up to <paramref name="tileCacheBytes"/> and <paramref name="batchCacheBytes"/> (0 keeps nothing).
/// Those caches are bound to the head they were filled under: a head that moves backwards or changes its root at the
/// same size (Redis restored from an older copy, an AOF cut by a power loss) empties them (<see cref="ReadHeadAsync"/>).
/// Appends wait for what <paramref name="commit"/> requires (fsync, replicas) before they count as committed.
/// </summary>
public sealed class LogStore(IConnectionMultiplexer redis, string origin,
    long tileCacheBytes = LogStore.DefaultTileCacheBytes, long batchCacheBytes = LogStore.DefaultBatchCacheBytes, CommitDurability? commit = null)
{
    /// <summary>256 MiB: 16,384 tiles of 16 KiB, every level-0 tile of a log of four million entries.</summary>
    public const long DefaultTileCacheBytes = 256L << 20;

    /// <summary>256 MiB: the trees of every batch of a log of four million records in batches of 1,000 (64 KiB each).</summary>
    public const long DefaultBatchCacheBytes = 256L << 20;

    // One script writes a whole batch. Steps, and why each is crash-safe:
    // 1. Compare the head with the expected (size, root); on mismatch return the current head and
    //    write nothing: the caller lost a race and must reload, never build on what it believed.
    // 2. Write tiles, entries, provider batches and indexes. They only touch tile positions, entries and
    //    batch/F keys at indices at or above the old size, which no reader sees yet (a batch is reached only
    //    from an entry below the head, written by the same script); index records are hints that readers
    //    check against the head size and the entry they point at, so a script aborted here (Redis killed,
    //    out of memory mid-script) leaves nothing visible, and the next winner overwrites the same slots.
    //    A batch/F is SET whole by the script whose records point at it, F at or above its old size: a dead
    //    writer's batch is either replaced whole or pointed at by nothing below the head.
    // 3. Write the head last: this single HSET is the commit point. AOF logs the script's effects as
    //    one MULTI/EXEC, so after a crash either the whole batch or none of it is replayed.
    // Step 1 also refuses while rollback evidence is recorded (KEYS[2], see RecordRollbackAsync): a sequencer that has not
    // yet seen it (another silo, a stale activation) cannot extend a log that went backwards.
    // Every key the script touches is in KEYS (an operation names its key by position, from 3 on), never built from a
    // prefix inside the script: Redis Cluster and proxies route and check a script by its declared keys, and all of them
    // share the log's {origin} hash tag, so they are in one slot.
    private const string AppendScript = """
        local cur = redis.call('HMGET', KEYS[1], 'size', 'root')
        local size = cur[1] or '0'
        local root = cur[2] or ARGV[6]
        if size ~= ARGV[1] or root ~= ARGV[2] or redis.call('EXISTS', KEYS[2]) == 1 then
          return {0, size, root}
        end
        local i = 7
        while i <= #ARGV do
          local op, key, n = ARGV[i], KEYS[tonumber(ARGV[i+1])], tonumber(ARGV[i+2])
          if op == 'R' then
            redis.call('SETRANGE', key, tonumber(ARGV[i+3]), ARGV[i+4])
          elseif op == 'H' then
            redis.call('HSET', key, unpack(ARGV, i+3, i+2+n))
          elseif op == 'S' then
            redis.call('SET', key, ARGV[i+3])
          elseif op == 'A' then
            for j = i+3, i+2+n, 2 do
              if redis.call('HSETNX', key, ARGV[j], ARGV[j+1]) == 0 then
                redis.call('HSET', key, ARGV[j], redis.call('HGET', key, ARGV[j]) .. ARGV[j+1])
              end
            end
          end
          i = i + 3 + n
        end
        redis.call('HSET', KEYS[1], 'size', ARGV[3], 'root', ARGV[4], 'checkpoint', ARGV[5])
        return {1, ARGV[3], ARGV[4]}
        """;

    private static readonly string EmptyRootHex = Hex.Encode(TreeHasher.EmptyRoot());
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly CommitDurability _commit = commit ?? CommitDurability.None;

    public LogKeys Keys { get; } = new(origin);
    public string Origin => origin;

    /// <summary>
    /// The committed head, stamped with the filling of the caches it may use. Reads are numbered in the order they are
    /// queued on the connection, which is the order Redis answers them, so a late answer of an older read never counts as
    /// the head moving backwards (it gets no cache instead).
    /// </summary>
    /// <remarks>
    /// When the commit durability waits (replicas, WAITAOF), an append's head is in Redis, and readable, before its wait
    /// answered: a primary lost then takes it along, and the next append signs another tree of that size. So a head not yet
    /// known durable is read again on the writer's connection to the slot's primary, followed by a probe write and the wait
    /// (<see cref="CommitDurability.Send"/>), and returned only once the wait confirms it; else this throws
    /// <see cref="RedisConnectionException"/> (answered 503, retried), as when Redis is out of reach. No head goes out,
    /// to a reader or to the sequencer, that a failover can take back.
    /// </remarks>
    public async Task<LogHead> ReadHeadAsync()
    {
        long order;
        Task<RedisValue[]> read;
        lock (_headReadOrder)
        {
            order = ++_headReadsQueued;
            read = _db.HashGetAsync(Keys.Head, HeadFields);
        }
        var head = ParseHead(await read.ConfigureAwait(false));
        if (_commit.Waits && !KnownDurable(head))
        {
            var (sent, wait) = _commit.Send(Keys.Head, ("HMGET", [Keys.Head, .. HeadFields.Select(f => (object)f)]), ("INCR", [Keys.CommitProbe]));
            try
            {
                await Task.WhenAll([.. sent, wait]).ConfigureAwait(false);
                _commit.Check(await wait.ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is NotDurableException or RedisServerException)
            {
                throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"the log head is not yet where the commit durability requires: {ex.Message}");
            }
            head = ParseHead((RedisValue[])(await sent[0].ConfigureAwait(false))!);
            MarkDurable(head);
            lock (_headReadOrder) order = ++_headReadsQueued; // Answered now: later reads are queued after it.
        }
        return Observe(head, order);
    }

    private static readonly RedisValue[] HeadFields = ["size", "root", "checkpoint"];

    private static LogHead ParseHead(RedisValue[] values) => values[0].IsNull ? LogHead.Empty
        : new LogHead(ulong.Parse((string)values[0]!, NumberStyles.None, CultureInfo.InvariantCulture), Hex.Decode((string)values[1]!), values[2].IsNull ? null : (string)values[2]!);

    // The largest head a wait confirmed. A smaller one is older (or Redis lost data, which the fork guard judges), and
    // waiting again tells nothing new about it.
    private LogHead? _durable;

    private bool KnownDurable(LogHead head)
    {
        if (head.Size == 0) return true;
        lock (_headReadOrder)
            return _durable is { } d && (head.Size < d.Size || head.Size == d.Size && head.Root.AsSpan().SequenceEqual(d.Root));
    }

    private void MarkDurable(LogHead head)
    {
        lock (_headReadOrder)
            if (_durable is null || head.Size >= _durable.Size) _durable = head;
    }

    private readonly object _headReadOrder = new();
    private long _headReadsQueued;
    private long _headReadsObserved;
    private LogHead? _basis;
    private int _epoch = 1;

    /// <summary>
    /// Binds the caches to the log seen by head reads: a head at or beyond the last one (same root at the same size)
    /// extends it; anything else means the log went backwards or forked under us, so what was computed from it is dropped.
    /// </summary>
    private LogHead Observe(LogHead head, long order)
    {
        lock (_headReadOrder)
        {
            if (order < _headReadsObserved) return head; // Overtaken by a newer read: no epoch, no cache.
            _headReadsObserved = order;
            if (_basis is { } basis && (head.Size < basis.Size || head.Size == basis.Size && !head.Root.AsSpan().SequenceEqual(basis.Root)))
            {
                _epoch++;
                _tileTrees.Clear();
                _batches.Clear();
                Interlocked.Exchange(ref _batchBytes, 0);
                _foldMemory = new(MaxFoldMemory);
                _basis = head;
            }
            if (_basis is null || head.Size >= _basis.Size) _basis = head;
            return head with { Epoch = _epoch };
        }
    }

    /// <summary>True when <paramref name="head"/> was read in the caches' current filling, so they may serve it and keep what it reads.</summary>
    private bool Cacheable(LogHead? head) => head is { Epoch: > 0 } && head.Epoch == Volatile.Read(ref _epoch);

    /// <summary>
    /// Right-border hashes that proofs of the trees of <paramref name="head"/> share (<see cref="ProofShape.Fold"/>), up to
    /// <see cref="MaxFoldMemory"/> of them; null for a head outside the current filling of the caches.
    /// </summary>
    public LruCache<(ulong From, ulong Size), byte[]>? FoldMemory(LogHead head) => Cacheable(head) ? _foldMemory : null;

    public const int MaxFoldMemory = 4096;
    private LruCache<(ulong From, ulong Size), byte[]> _foldMemory = new(MaxFoldMemory);

    /// <summary>
    /// Writes the batch and moves the head from <see cref="LogBatch.Old"/> to the batch's new size and root,
    /// with <paramref name="checkpoint"/> as the signed note of the new head. False when the head was not
    /// the expected one, or rollback evidence is recorded; nothing is written then. Throws
    /// <see cref="NotDurableException"/> when the head moved but the write is not yet where the commit durability requires.
    /// </summary>
    public async Task<bool> TryAppendAsync(LogBatch batch, string checkpoint)
    {
        var newRoot = Hex.Encode(batch.Root());
        List<RedisKey> keys = [Keys.Head, Keys.Rollback];
        var args = batch.Arguments(Keys, keys,
        [
            batch.Old.Size.ToString(CultureInfo.InvariantCulture),
            batch.Old.RootHex,
            batch.NewSize.ToString(CultureInfo.InvariantCulture),
            newRoot,
            checkpoint,
            EmptyRootHex,
        ]);
        if (!_commit.Waits)
            return (int)((RedisResult[])(await _db.ScriptEvaluateAsync(AppendScript, [.. keys], args).ConfigureAwait(false))!)[0] == 1;
        // EVAL with the script's text (no script cache on this path): it goes to one chosen server, with its wait.
        var (sent, wait) = _commit.Send(Keys.Head, ("EVAL", [AppendScript, keys.Count, .. keys.Cast<object>(), .. args.Cast<object>()]));
        await Task.WhenAll(sent[0], wait).ConfigureAwait(false); // Both observed, whichever fails.
        var moved = (int)((RedisResult[])(await sent[0].ConfigureAwait(false))!)[0] == 1;
        if (moved)
        {
            _commit.Check(await wait.ConfigureAwait(false));
            MarkDurable(new LogHead(batch.NewSize, batch.Root(), checkpoint));
        }
        return moved;
    }

    /// <summary>
    /// Waits until everything Redis holds now, this log's appends by any writer included, is where the commit durability
    /// requires: before answering a retry with a record committed earlier, whose own wait may have failed. A tiny write
    /// first gives this connection's WAIT an offset to count from.
    /// </summary>
    public async Task ConfirmDurableAsync()
    {
        if (!_commit.Waits) return;
        var (sent, wait) = _commit.Send(Keys.CommitProbe, ("INCR", [Keys.CommitProbe]));
        await Task.WhenAll(sent[0], wait).ConfigureAwait(false); // A probe refused (its slot moved) confirms nothing.
        _commit.Check(await wait.ConfigureAwait(false));
    }

    /// <summary>
    /// The hashes of perfect nodes inside the committed tree, read from the tiles that store them. Throws
    /// <see cref="InvalidDataException"/> (as every read here does when Redis lacks what the head needs) if a tile is short.
    /// </summary>
    /// <param name="committed">
    /// A committed head. What it covers of a tile is immutable while the log only grows (the head moves forward by CAS),
    /// so for a head of the caches' current filling each tile's inner nodes are computed once per width and kept in memory.
    /// With null, tiles are read and hashed for this call only, whatever width they have (a dead writer may have staged
    /// hashes beyond the head).
    /// </param>
    public async Task<List<byte[]>> ReadNodeHashesAsync(IReadOnlyList<NodeId> nodes, LogHead? committed = null)
    {
        var committedSize = committed?.Size ?? 0;
        var cacheable = Cacheable(committed);
        var trees = new Dictionary<(int Level, ulong Index), (int Width, byte[] Tree)>();
        var reads = new Dictionary<(int Level, ulong Index), Task<RedisValue>>();
        foreach (var node in nodes)
        {
            var key = TileOf(node);
            if (trees.ContainsKey(key) || reads.ContainsKey(key)) continue;
            if (cacheable && _tileTrees.TryGetValue(key, out var cached) && cached.Epoch == committed!.Epoch && cached.Width == CommittedWidth(key, committedSize))
                trees[key] = (cached.Width, cached.Tree);
            else reads[key] = _db.StringGetAsync(Keys.Full(LogKeys.Tile(key.Level, key.Index)));
        }
        await Task.WhenAll(reads.Values).ConfigureAwait(false);
        foreach (var (key, read) in reads)
        {
            var row = (byte[]?)read.Result ?? [];
            var covered = CommittedWidth(key, committedSize);
            // Uncommitted callers get every hash the tile holds; committed ones only what the head covers.
            var width = covered > 0 ? covered : Math.Min(TileId.FullWidth, row.Length / TreeHasher.HashSize);
            if (width == 0 || row.Length < width * TreeHasher.HashSize)
                throw new InvalidDataException($"tile {key.Level}/{key.Index} holds {row.Length / TreeHasher.HashSize} hashes, fewer than the {width} the log needs: storage is inconsistent");
            trees[key] = (width, TileId.Tree(row, width));
            // Kept only if no head read moved the caches to another filling meanwhile (the tile was read under this head).
            if (covered > 0 && cacheable && _maxCachedTiles > 0 && Cacheable(committed))
            {
                if (_tileTrees.Count >= _maxCachedTiles) EvictOneTile();
                _tileTrees[key] = (width, trees[key].Tree, committed!.Epoch);
            }
        }
        var hashes = new List<byte[]>(nodes.Count);
        foreach (var node in nodes)
        {
            var key = TileOf(node);
            // Node (8L + r, i) is the subtree of the 2^r row-L hashes from i·2^r, all inside one tile.
            var r = node.Level % TileId.Height;
            var first = (int)((node.Index << r) % TileId.FullWidth);
            var (width, tree) = trees[key];
            if (first + (1 << r) > width)
                throw new InvalidDataException($"tile {key.Level}/{key.Index} lacks node {node}: storage is inconsistent");
            hashes.Add(FlatTree.Node(tree, (ulong)width, new NodeId(r, (ulong)(first >> r))));
        }
        return hashes;
    }

    // 16 KiB per tile (its row and the levels above it); a proof at 1 M entries touches three tiles. A random read
    // finds its tiles kept with a chance of cache size ÷ tiles in the log, and a missed one costs a Redis read and
    // 255 SHA-256.
    private readonly long _maxCachedTiles = tileCacheBytes / ((long)FlatTree.HashCount(TileId.FullWidth) * TreeHasher.HashSize);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Level, ulong Index), (int Width, byte[] Tree, int Epoch)> _tileTrees = new();

    /// <summary>
    /// Makes room for one tile. Dropping one (not all) keeps the hit rate of random reads at cache size ÷ tiles even on a
    /// log with more tiles than the cache holds; the dictionary's own enumerator neither locks nor copies the keys.
    /// </summary>
    private void EvictOneTile()
    {
        using var any = _tileTrees.GetEnumerator();
        if (any.MoveNext()) _tileTrees.TryRemove(any.Current.Key, out _);
    }

    /// <summary>How many hashes of tile (L, N) the committed tree of <paramref name="size"/> covers (0 when none, or no size).</summary>
    private static int CommittedWidth((int Level, ulong Index) tile, ulong size) =>
        tile.Level * TileId.Height >= 64 ? 0 : TileId.WidthAt(tile.Level, tile.Index, size);

    private static (int Level, ulong Index) TileOf(NodeId node) =>
        (node.Level / TileId.Height, (node.Index << (node.Level % TileId.Height)) / TileId.FullWidth);

    /// <summary>The compact range of the committed tree of <paramref name="head"/>, to append after it.</summary>
    public async Task<CompactRange> ReadRangeAsync(LogHead head)
    {
        var hashes = await ReadNodeHashesAsync([.. CompactRange.Nodes(head.Size)], head).ConfigureAwait(false);
        var range = new CompactRange(head.Size, hashes);
        if (!range.Root().AsSpan().SequenceEqual(head.Root))
            throw new InvalidDataException($"tiles do not hash to the head root at size {head.Size}: storage is inconsistent");
        return range;
    }

    /// <summary>
    /// The root of the first <paramref name="size"/> entries, from the tiles as Redis holds them now (no cache): what the
    /// log says it was at a size it published before. <paramref name="size"/> must not exceed the committed head's.
    /// </summary>
    public async Task<byte[]> ReadRootAtAsync(ulong size)
    {
        if (size == 0) return TreeHasher.EmptyRoot();
        var hashes = await ReadNodeHashesAsync([.. CompactRange.Nodes(size)]).ConfigureAwait(false);
        return new CompactRange(size, hashes).Root();
    }

    /// <summary>A tile as served: exactly <paramref name="width"/> hashes, or null when the tree of the head does not have them.</summary>
    public async Task<byte[]?> ReadTileAsync(int level, ulong index, int width, LogHead head)
    {
        // Only what the head covers is public: a partial tile is served at the width the head gives it.
        var available = TileId.WidthAt(level, index, head.Size);
        if (width > available) return null;
        var bytes = (byte[]?)await _db.StringGetRangeAsync(Keys.Full(LogKeys.Tile(level, index)), 0, width * TreeHasher.HashSize - 1).ConfigureAwait(false);
        return bytes is not null && bytes.Length == width * TreeHasher.HashSize ? bytes : null;
    }

    /// <summary>
    /// The leaf data of committed entry <paramref name="leafIndex"/>, or null above the head. A record of a provider
    /// batch is rebuilt from its batch, and checked against the leaf hash in the tile before it is returned.
    /// </summary>
    public async Task<byte[]?> ReadEntryAsync(ulong leafIndex, LogHead head) => (await ReadLeafAsync(leafIndex, head).ConfigureAwait(false))?.Data;

    /// <summary><see cref="ReadEntryAsync"/> with the entry's leaf hash, computed once (for a batch record, by the check against its tile).</summary>
    public async Task<StoredLeaf?> ReadLeafAsync(ulong leafIndex, LogHead head)
    {
        if (leafIndex >= head.Size) return null;
        var stored = (byte[]?)await _db.HashGetAsync(Keys.Full(LogKeys.EntryBundle(leafIndex)), LogKeys.EntryField(leafIndex)).ConfigureAwait(false);
        if (stored is null) return null;
        if (BatchRecord.TryParse(stored, out var record)) return await RebuildAsync(leafIndex, record, head).ConfigureAwait(false);
        var data = EntryCodec.Unpack(stored);
        return new StoredLeaf(data, TreeHasher.HashLeaf(data));
    }

    /// <summary>The entry of a batch record: its batch (kept after the first read), rebuilt, and checked against the leaf's tile.</summary>
    private async Task<StoredLeaf> RebuildAsync(ulong leafIndex, BatchRecord record, LogHead head)
    {
        if (record.Back > leafIndex) throw new InvalidDataException($"entry {leafIndex} names a batch {record.Back} entries back: storage is inconsistent");
        var name = LogKeys.Batch(leafIndex - record.Back);
        var leaf = ReadNodeHashesAsync([new NodeId(0, leafIndex)], head);
        var batch = await ReadBatchAsync(name, record.Size, head).ConfigureAwait(false);
        var data = batch.LeafData(record);
        var hash = TreeHasher.HashLeaf(data);
        var logLeaf = (await leaf.ConfigureAwait(false))[0];
        if (!hash.AsSpan().SequenceEqual(logLeaf))
            throw new InvalidDataException($"entry {leafIndex} rebuilt from {name} hashes to {Hex.Encode(hash)}, the log's leaf is {Hex.Encode(logLeaf)}: storage is inconsistent");
        return new StoredLeaf(data, hash);
    }

    /// <summary>
    /// The batch <paramref name="name"/> that a committed record points at. A committed batch never changes while the log
    /// only grows (it was written above the old head by the append that moved the head past it), so for a head of the
    /// caches' current filling it is read whole once and kept: up to the batch cache's bytes of trees, one batch dropped
    /// at a time when full.
    /// </summary>
    private async Task<StoredBatch> ReadBatchAsync(string name, ulong size, LogHead head)
    {
        var cacheable = Cacheable(head);
        if (cacheable && _batches.TryGetValue(name, out var cached) && cached.Epoch == head.Epoch && cached.Batch.Size == size) return cached.Batch;
        var value = (byte[]?)await _db.StringGetAsync(Keys.Full(name)).ConfigureAwait(false)
            ?? throw new InvalidDataException($"{name} is missing: storage is inconsistent");
        var batch = StoredBatch.Decode(value, size, name);
        if (!cacheable || batch.Tree.Length > batchCacheBytes) return batch;
        while (Interlocked.Read(ref _batchBytes) + batch.Tree.Length > batchCacheBytes && !_batches.IsEmpty)
        {
            using var any = _batches.GetEnumerator();
            if (any.MoveNext() && _batches.TryRemove(any.Current.Key, out var dropped)) Interlocked.Add(ref _batchBytes, -dropped.Batch.Tree.Length);
        }
        if (Cacheable(head) && _batches.TryAdd(name, (batch, head.Epoch))) Interlocked.Add(ref _batchBytes, batch.Tree.Length);
        return batch;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (StoredBatch Batch, int Epoch)> _batches = new(StringComparer.Ordinal);
    private long _batchBytes;

    public async Task<Dictionary<string, NonceRecord>> ReadNoncesAsync(string provider, IReadOnlyList<string> nonces, LogHead head)
    {
        var found = new Dictionary<string, NonceRecord>(StringComparer.Ordinal);
        if (nonces.Count == 0) return found;
        var reads = nonces.Select(n => LogKeys.ByNonce(provider, n)).Select(k => _db.HashGetAsync(Keys.Full(k.Key), k.Field)).ToList();
        var values = await Task.WhenAll(reads).ConfigureAwait(false);
        for (var i = 0; i < nonces.Count; i++)
        {
            // A record at or above the head size was staged by a batch that never committed.
            if (NonceRecord.Parse(values[i]) is { } record && record.LeafIndex < head.Size) found[nonces[i]] = record;
        }
        return found;
    }

    /// <summary>Leaf indices whose evidence hash is <paramref name="hashHex"/> (lowercase hex), oldest first.</summary>
    public async Task<List<ulong>> ReadIndicesByHashAsync(string hashHex, LogHead head)
    {
        var (key, field) = LogKeys.ByHash(hashHex);
        var values = LogKeys.IndexValues((byte[]?)await _db.HashGetAsync(Keys.Full(key), field).ConfigureAwait(false));
        return [.. new SortedSet<ulong>(values.Where(i => i < head.Size))]; // Hints only, as below.
    }

    /// <summary>
    /// One page of the contract index of (<paramref name="provider"/>, <paramref name="contractId"/>): the leaf indices in
    /// positions [<paramref name="start"/>, start + <paramref name="count"/>) that the head covers, ascending and without
    /// duplicates, and the position of the next page (null at the end). Positions count the list a log written before the
    /// bucketed index keeps first, then the bucket's field; both only grow, so positions are stable and a caller walks the whole
    /// index page by page (a stale hint may repeat an index on a later page).
    /// </summary>
    public async Task<(List<ulong> Indices, long? Next)> ReadIndicesByContractAsync(string provider, string contractId, LogHead head, long start, int count)
    {
        var all = await ReadContractIndexAsync(provider, contractId).ConfigureAwait(false);
        // Hints only: drop what the head does not cover, and duplicates (see AppendScript step 2).
        var indices = new SortedSet<ulong>();
        for (var p = start; p < Math.Min(all.Count, start + count); p++)
            if (all[(int)p] < head.Size) indices.Add(all[(int)p]);
        return ([.. indices], all.Count > start + count ? start + count : null);
    }

    /// <summary>Every leaf index the contract index names, in position order: the old layout's list, then the bucket's field.</summary>
    internal async Task<List<ulong>> ReadContractIndexAsync(string provider, string contractId)
    {
        var (bucket, field, oldList) = LogKeys.ContractIndex(provider, contractId);
        var list = _db.ListRangeAsync(Keys.Full(oldList));
        var values = _db.HashGetAsync(Keys.Full(bucket), field);
        var all = new List<ulong>();
        foreach (var v in await list.ConfigureAwait(false))
            all.Add(ulong.TryParse((string?)v, NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : ulong.MaxValue);
        all.AddRange(LogKeys.IndexValues((byte[]?)await values.ConfigureAwait(false)));
        return all;
    }

    /// <summary>Remembers a provider id for the operator's list (grain storage cannot enumerate).</summary>
    /// <summary>
    /// Revoked keys as of <paramref name="head"/>: the registration entry's leaf index → the revocation entry's. Written in
    /// the append of the revocation (so never ahead of the head it committed with); later ones are dropped as hints.
    /// </summary>
    public async Task<Dictionary<ulong, ulong>> ReadRevocationsAsync(LogHead head)
    {
        var result = new Dictionary<ulong, ulong>();
        foreach (var field in await _db.HashGetAllAsync(Keys.Full(LogKeys.Revocations)).ConfigureAwait(false))
            if (ulong.TryParse((string?)field.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var registration)
                && ulong.TryParse((string?)field.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var revocation)
                && revocation < head.Size)
                result[registration] = revocation;
        return result;
    }

    public Task AddProviderAsync(string id) => _db.SetAddAsync(Keys.Providers, id);

    /// <summary>Whether <paramref name="id"/> was ever added by <see cref="AddProviderAsync"/>: one SISMEMBER, no grain.</summary>
    public Task<bool> IsProviderAsync(string id) => _db.SetContainsAsync(Keys.Providers, id);

    public async Task<List<string>> ReadProvidersAsync() =>
        [.. (await _db.SetMembersAsync(Keys.Providers).ConfigureAwait(false)).Select(v => (string)v!).Order(StringComparer.Ordinal)];

    // Keeps the checkpoint and remembers the largest size kept (zero-padded, so strings compare as numbers), so that the
    // fork check reads one checkpoint, not all of them.
    private const string KeepScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        local latest = redis.call('GET', KEYS[2])
        if not latest or latest < ARGV[2] then redis.call('SET', KEYS[2], ARGV[2]) end
        return 1
        """;

    /// <summary>Keeps a checkpoint beyond the head's latest one (e.g. one that was anchored).</summary>
    public Task KeepCheckpointAsync(ulong size, string note) =>
        _db.ScriptEvaluateAsync(KeepScript, [Keys.Checkpoints, Keys.LatestCheckpoint],
            [size.ToString(CultureInfo.InvariantCulture), size.ToString("D20", CultureInfo.InvariantCulture), note]);

    public async Task<string?> ReadKeptCheckpointAsync(ulong size) =>
        (string?)await _db.HashGetAsync(Keys.Checkpoints, size.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);

    /// <summary>The kept checkpoint of the largest size, or null when none is kept.</summary>
    public async Task<string?> ReadLatestKeptCheckpointAsync()
    {
        var latest = (string?)await _db.StringGetAsync(Keys.LatestCheckpoint).ConfigureAwait(false);
        if (latest is null)
        {
            // Kept before the largest size was remembered: find it once (every field), and remember it.
            var sizes = (await _db.HashKeysAsync(Keys.Checkpoints).ConfigureAwait(false))
                .Select(k => ulong.TryParse((string?)k, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : (ulong?)null)
                .Where(n => n is not null).Select(n => n!.Value).ToList();
            if (sizes.Count == 0) return null;
            latest = sizes.Max().ToString("D20", CultureInfo.InvariantCulture);
            await _db.StringSetAsync(Keys.LatestCheckpoint, latest, when: When.NotExists).ConfigureAwait(false);
        }
        return await ReadKeptCheckpointAsync(ulong.Parse(latest, NumberStyles.None, CultureInfo.InvariantCulture)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records why the log refuses to grow (JSON, see the sequencer's fork check): the published tree its head does not
    /// contain. While it is recorded no append commits, on any silo (<see cref="AppendScript"/>). The larger tree wins.
    /// </summary>
    public Task RecordRollbackAsync(ulong size, string json) =>
        _db.ScriptEvaluateAsync("""
            local cur = redis.call('GET', KEYS[1])
            if not cur or string.sub(cur, 1, 20) <= ARGV[1] then redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2]) end
            return 1
            """, [Keys.Rollback], [size.ToString("D20", CultureInfo.InvariantCulture), json]);

    /// <summary>The rollback evidence recorded by <see cref="RecordRollbackAsync"/>, or null.</summary>
    public async Task<string?> ReadRollbackAsync() =>
        ((string?)await _db.StringGetAsync(Keys.Rollback).ConfigureAwait(false)) is { Length: > 20 } value ? value[20..] : null;

    /// <summary>Drops the rollback evidence once the head contains what it names (restored), so appends may commit again.</summary>
    public Task ClearRollbackAsync() => _db.KeyDeleteAsync(Keys.Rollback);
}

/// <summary>A committed entry's leaf data and its RFC 9162 leaf hash.</summary>
public sealed record StoredLeaf(byte[] Data, byte[] Hash);
