using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What the anchoring of a log has done on each chain, in Redis beside the log (keys under the log's prefix):
/// <code>
/// anchors/CHAIN             HASH   record id → anchor record (JSON: the bundle's anchor, state, gas); one id per anchoring attempt
/// anchors/CHAIN/by-size     ZSET   every record id, scored by its tree size
/// anchors/CHAIN/final       ZSET   the ids of confirmed (final) records, scored by tree size: what bundles may name
/// anchors/CHAIN/open        SET    the ids of records sent and not final yet: re-checked every round until final or dropped
/// anchors/CHAIN/latest      STRING the id of the record of the largest tree size (the fork check reads one record, not all)
/// anchors/CHAIN/pending     STRING the signed transaction in flight (JSON: raw bytes, hash, nonce, size, root), written before it is sent
/// anchors/CHAIN/from-block  STRING the block the log was registered in: eth_getLogs searches start there
/// anchors/CHAIN/status      STRING the chain's last status (JSON), for health and metrics
/// </code>
/// Every read takes what it needs through the indexes (one record, a range of sizes, the open ones): none reads every
/// record ever written, which grows by one per anchoring interval. Records are opaque JSON here: their format belongs to
/// the anchoring grain, which says with each write whether the record is final or open.
/// </summary>
public sealed class AnchorStore(IConnectionMultiplexer redis, string origin)
{
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly LogKeys _keys = new(origin);
    private readonly ConcurrentDictionary<string, bool> _indexed = new(StringComparer.Ordinal);

    private RedisKey Records(string chain) => _keys.Full("anchors/" + chain);
    private RedisKey BySize(string chain) => _keys.Full("anchors/" + chain + "/by-size");
    private RedisKey Final(string chain) => _keys.Full("anchors/" + chain + "/final");
    private RedisKey Open(string chain) => _keys.Full("anchors/" + chain + "/open");
    private RedisKey Latest(string chain) => _keys.Full("anchors/" + chain + "/latest");
    private RedisKey Pending(string chain) => _keys.Full("anchors/" + chain + "/pending");
    private RedisKey FromBlock(string chain) => _keys.Full("anchors/" + chain + "/from-block");
    private RedisKey Status(string chain) => _keys.Full("anchors/" + chain + "/status");

    // One script, so a record and its index entries never disagree. Ids start with the tree size zero-padded to 20
    // digits, so comparing those prefixes as strings compares sizes. ARGV: id, json, size, final (0/1), open (0/1).
    private const string SaveScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        if ARGV[4] == '1' then redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1]) else redis.call('ZREM', KEYS[4], ARGV[1]) end
        if ARGV[5] == '1' then redis.call('SADD', KEYS[5], ARGV[1]) else redis.call('SREM', KEYS[5], ARGV[1]) end
        local latest = redis.call('GET', KEYS[2])
        if not latest or string.sub(latest, 1, 20) <= string.sub(ARGV[1], 1, 20) then redis.call('SET', KEYS[2], ARGV[1]) end
        return 1
        """;

    /// <summary>
    /// Writes one attempt's record under <paramref name="id"/> (rewritten as the attempt moves on), with its place in
    /// the indexes: <paramref name="final"/> records are what bundles name, <paramref name="open"/> ones are re-checked.
    /// </summary>
    public async Task SaveRecordAsync(string chain, string id, ulong treeSize, string json, bool final, bool open)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        await _db.ScriptEvaluateAsync(SaveScript, [Records(chain), Latest(chain), BySize(chain), Final(chain), Open(chain)],
            [id, json, (double)treeSize, final ? "1" : "0", open ? "1" : "0"]).ConfigureAwait(false);
    }

    /// <summary>The record of the largest tree size on a chain, whatever its state, or null when there is none.</summary>
    public async Task<string?> ReadLatestRecordAsync(string chain)
    {
        var id = (string?)await _db.StringGetAsync(Latest(chain)).ConfigureAwait(false);
        if (id is null)
        {
            await EnsureIndexedAsync(chain).ConfigureAwait(false);
            var newest = await _db.SortedSetRangeByRankAsync(BySize(chain), 0, 0, Order.Descending).ConfigureAwait(false);
            if (newest.Length == 0) return null;
            id = newest[0]!;
            await _db.StringSetAsync(Latest(chain), id, when: When.NotExists).ConfigureAwait(false);
        }
        return (string?)await _db.HashGetAsync(Records(chain), id).ConfigureAwait(false);
    }

    /// <summary>Final records with a tree size above <paramref name="above"/>, smallest size first, at most <paramref name="count"/>.</summary>
    public async Task<List<string>> ReadFinalAboveAsync(string chain, ulong above, int count)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        var ids = await _db.SortedSetRangeByScoreAsync(Final(chain), above, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, count).ConfigureAwait(false);
        return await ReadAsync(chain, ids).ConfigureAwait(false);
    }

    /// <summary>The final record of the largest tree size, or null.</summary>
    public async Task<string?> ReadNewestFinalAsync(string chain)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        var ids = await _db.SortedSetRangeByRankAsync(Final(chain), 0, 0, Order.Descending).ConfigureAwait(false);
        return (await ReadAsync(chain, ids).ConfigureAwait(false)).FirstOrDefault();
    }

    /// <summary>Final records of exactly <paramref name="treeSize"/>.</summary>
    public async Task<List<string>> ReadFinalAtAsync(string chain, ulong treeSize)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        var ids = await _db.SortedSetRangeByScoreAsync(Final(chain), treeSize, treeSize).ConfigureAwait(false);
        return await ReadAsync(chain, ids).ConfigureAwait(false);
    }

    /// <summary>The newest <paramref name="count"/> records of a chain, whatever their state, largest size first.</summary>
    public async Task<List<string>> ReadNewestAsync(string chain, int count)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        var ids = await _db.SortedSetRangeByRankAsync(BySize(chain), 0, count - 1, Order.Descending).ConfigureAwait(false);
        return await ReadAsync(chain, ids).ConfigureAwait(false);
    }

    /// <summary>Every record sent and not final yet (pending, or mined with too few confirmations).</summary>
    public async Task<List<string>> ReadOpenAsync(string chain)
    {
        await EnsureIndexedAsync(chain).ConfigureAwait(false);
        return await ReadAsync(chain, await _db.SetMembersAsync(Open(chain)).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task<List<string>> ReadAsync(string chain, RedisValue[] ids)
    {
        if (ids.Length == 0) return [];
        var values = await _db.HashGetAsync(Records(chain), ids).ConfigureAwait(false);
        return [.. values.Where(v => !v.IsNull).Select(v => (string)v!)];
    }

    /// <summary>
    /// Records written before the indexes existed are indexed once, at the first access of the chain: the only read of every
    /// record, and only while the by-size index is missing. Old records are indexed by size and, when their JSON says
    /// "confirmed" (final by the confirmations of their time), as final.
    /// </summary>
    private async Task EnsureIndexedAsync(string chain)
    {
        if (_indexed.ContainsKey(chain)) return;
        if (!await _db.KeyExistsAsync(BySize(chain)).ConfigureAwait(false) && await _db.HashLengthAsync(Records(chain)).ConfigureAwait(false) > 0)
        {
            foreach (var entry in await _db.HashGetAllAsync(Records(chain)).ConfigureAwait(false))
            {
                var id = (string)entry.Name!;
                var size = double.Parse(id[..20], NumberStyles.None, CultureInfo.InvariantCulture);
                await _db.SortedSetAddAsync(BySize(chain), id, size).ConfigureAwait(false);
                if (((string)entry.Value!).Contains("\"state\":\"confirmed\"", StringComparison.Ordinal))
                    await _db.SortedSetAddAsync(Final(chain), id, size).ConfigureAwait(false);
            }
        }
        _indexed[chain] = true;
    }

    public Task SavePendingAsync(string chain, string json) => _db.StringSetAsync(Pending(chain), json);
    public async Task<string?> ReadPendingAsync(string chain) => (string?)await _db.StringGetAsync(Pending(chain)).ConfigureAwait(false);
    public Task ClearPendingAsync(string chain) => _db.KeyDeleteAsync(Pending(chain));

    /// <summary>The block the log was registered in on a chain (the lower bound of event searches), once known.</summary>
    public Task SaveFromBlockAsync(string chain, ulong block) => _db.StringSetAsync(FromBlock(chain), block.ToString(CultureInfo.InvariantCulture));
    public async Task<ulong?> ReadFromBlockAsync(string chain) =>
        (string?)await _db.StringGetAsync(FromBlock(chain)).ConfigureAwait(false) is { } s ? ulong.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    public Task SaveStatusAsync(string chain, string json) => _db.StringSetAsync(Status(chain), json);
    public async Task<string?> ReadStatusAsync(string chain) => (string?)await _db.StringGetAsync(Status(chain)).ConfigureAwait(false);
}
