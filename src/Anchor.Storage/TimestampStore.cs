using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// The TSA time-stamps of a log's kept checkpoints, in Redis beside them (keys under the log's prefix):
/// <code>
/// timestamps              HASH   "SIZE/TSA" (SIZE zero-padded to 20 digits) → the token record (JSON: tsa, hashAlg, token, genTime, recordedAt)
/// timestamps/TSA/pending  STRING the checkpoint size TSA must stamp next: set before it is asked, cleared once a token is stored
/// timestamps/TSA/status   STRING the TSA's last round (JSON), for health and metrics
/// </code>
/// Every SIZE has its checkpoint in <c>checkpoints</c>. Records and statuses are opaque JSON here: their format belongs
/// to the time-stamping grain (the audit reads the members a bundle carries: tsa, hashAlg, token).
/// </summary>
public sealed class TimestampStore(IConnectionMultiplexer redis, string origin)
{
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly LogKeys _keys = new(origin);

    private RedisKey Tokens => _keys.Full("timestamps");
    private RedisKey Pending(string tsa) => _keys.Full("timestamps/" + tsa + "/pending");
    private RedisKey Status(string tsa) => _keys.Full("timestamps/" + tsa + "/status");

    private static string Field(ulong size, string tsa) => size.ToString("D20", CultureInfo.InvariantCulture) + "/" + tsa;

    public Task SaveAsync(ulong size, string tsa, string json) => _db.HashSetAsync(Tokens, Field(size, tsa), json);

    /// <summary>Which TSA stamped which size: the field names only, in size order (what choosing a bundle's size needs).</summary>
    public async Task<List<(ulong Size, string Tsa)>> ListAsync()
    {
        var fields = await _db.HashKeysAsync(Tokens).ConfigureAwait(false);
        return [.. fields.Select(f => ParseField((string)f!)).Where(f => f.Size != ulong.MaxValue).Order()];
    }

    /// <summary>The records of <paramref name="size"/> by the given TSAs, in their order; missing ones are left out.</summary>
    public async Task<List<string>> ReadAsync(ulong size, IReadOnlyList<string> tsas)
    {
        if (tsas.Count == 0) return [];
        var values = await _db.HashGetAsync(Tokens, [.. tsas.Select(t => (RedisValue)Field(size, t))]).ConfigureAwait(false);
        return [.. values.Where(v => !v.IsNull).Select(v => (string)v!)];
    }

    /// <summary>Every record, with its size and TSA (the audit).</summary>
    public async Task<List<(ulong Size, string Tsa, string Json)>> ReadAllAsync()
    {
        var entries = await _db.HashGetAllAsync(Tokens).ConfigureAwait(false);
        return [.. entries.Select(e => (Field: ParseField((string)e.Name!), Json: (string)e.Value!))
            .Select(e => (e.Field.Size, e.Field.Tsa, e.Json)).OrderBy(e => e.Size).ThenBy(e => e.Tsa, StringComparer.Ordinal)];
    }

    /// <summary>"SIZE/TSA" back into its parts; a field of another form gets size ulong.MaxValue, so the audit names it.</summary>
    private static (ulong Size, string Tsa) ParseField(string field)
    {
        var slash = field.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && ulong.TryParse(field.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? (size, field[(slash + 1)..]) : (ulong.MaxValue, field);
    }

    public Task SavePendingAsync(string tsa, ulong size) => _db.StringSetAsync(Pending(tsa), size.ToString(CultureInfo.InvariantCulture));

    public async Task<ulong?> ReadPendingAsync(string tsa) =>
        (string?)await _db.StringGetAsync(Pending(tsa)).ConfigureAwait(false) is { } text ? ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) : null;

    public Task ClearPendingAsync(string tsa) => _db.KeyDeleteAsync(Pending(tsa));

    public Task SaveStatusAsync(string tsa, string json) => _db.StringSetAsync(Status(tsa), json);
    public async Task<string?> ReadStatusAsync(string tsa) => (string?)await _db.StringGetAsync(Status(tsa)).ConfigureAwait(false);
}
