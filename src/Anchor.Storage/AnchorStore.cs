using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What the anchoring of a log has done on each chain, in Redis beside the log (keys under the log's prefix):
/// <code>
/// anchors/CHAIN           HASH   record id → anchor record (JSON: the bundle's anchor, state, gas); one id per anchoring attempt
/// anchors/CHAIN/latest    STRING the id of the record of the largest tree size (the fork check reads one record, not all)
/// anchors/CHAIN/pending   STRING the transaction in flight (JSON), written before it is sent
/// anchors/CHAIN/status    STRING the chain's last status (JSON), for health and metrics
/// </code>
/// Records and pending transactions are opaque JSON here: their format belongs to the anchoring grain.
/// </summary>
public sealed class AnchorStore(IConnectionMultiplexer redis, string origin)
{
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly LogKeys _keys = new(origin);

    private RedisKey Records(string chain) => _keys.Full("anchors/" + chain);
    private RedisKey Latest(string chain) => _keys.Full("anchors/" + chain + "/latest");
    private RedisKey Pending(string chain) => _keys.Full("anchors/" + chain + "/pending");
    private RedisKey Status(string chain) => _keys.Full("anchors/" + chain + "/status");

    // Ids start with the tree size zero-padded to 20 digits, so comparing those prefixes as strings compares sizes.
    private const string SaveScript = """
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        local latest = redis.call('GET', KEYS[2])
        if not latest or string.sub(latest, 1, 20) <= string.sub(ARGV[1], 1, 20) then redis.call('SET', KEYS[2], ARGV[1]) end
        return 1
        """;

    /// <summary>Writes one attempt's record; the same id is rewritten as the attempt moves from pending to confirmed or orphaned.</summary>
    public Task SaveRecordAsync(string chain, string id, string json) =>
        _db.ScriptEvaluateAsync(SaveScript, [Records(chain), Latest(chain)], [id, json]);

    /// <summary>The record of the largest tree size on a chain, whatever its state, or null when there is none.</summary>
    public async Task<string?> ReadLatestRecordAsync(string chain)
    {
        var id = (string?)await _db.StringGetAsync(Latest(chain)).ConfigureAwait(false);
        if (id is null)
        {
            // Written before the latest id was kept: find it once (every id), and keep it.
            var ids = await _db.HashKeysAsync(Records(chain)).ConfigureAwait(false);
            if (ids.Length == 0) return null;
            id = ids.Select(i => (string)i!).Max(StringComparer.Ordinal)!;
            await _db.StringSetAsync(Latest(chain), id, when: When.NotExists).ConfigureAwait(false);
        }
        return (string?)await _db.HashGetAsync(Records(chain), id).ConfigureAwait(false);
    }

    /// <summary>Every record of a chain, by id (ids start with the zero-padded tree size, so this is size order).</summary>
    public async Task<List<(string Id, string Json)>> ReadRecordsAsync(string chain)
    {
        var entries = await _db.HashGetAllAsync(Records(chain)).ConfigureAwait(false);
        return [.. entries.Select(e => ((string)e.Name!, (string)e.Value!)).OrderBy(e => e.Item1, StringComparer.Ordinal)];
    }

    public Task SavePendingAsync(string chain, string json) => _db.StringSetAsync(Pending(chain), json);
    public async Task<string?> ReadPendingAsync(string chain) => (string?)await _db.StringGetAsync(Pending(chain)).ConfigureAwait(false);
    public Task ClearPendingAsync(string chain) => _db.KeyDeleteAsync(Pending(chain));

    public Task SaveStatusAsync(string chain, string json) => _db.StringSetAsync(Status(chain), json);
    public async Task<string?> ReadStatusAsync(string chain) => (string?)await _db.StringGetAsync(Status(chain)).ConfigureAwait(false);
}
