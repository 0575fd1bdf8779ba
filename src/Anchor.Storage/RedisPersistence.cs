using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What a Redis server says about how it keeps writes: <c>CONFIG GET append*</c> (null when CONFIG is refused, as managed
/// services often do), its version (WAITAOF needs 7.2) and how many replicas are connected (<c>INFO</c>).
/// </summary>
public sealed record RedisPersistence(bool? AppendOnly, string? AppendFsync, Version Version, int ConnectedReplicas, string? ConfigError)
{
    /// <summary>WAITAOF (Redis 7.2): blocks until the writes before it are fsynced locally (and on N replicas).</summary>
    public bool HasWaitAof => Version >= new Version(7, 2);

    /// <summary>Every write is fsynced before Redis answers it: Redis writes and fsyncs the AOF buffer before it sends the replies of an event-loop turn.</summary>
    public bool FsyncsEveryWrite => AppendOnly == true && string.Equals(AppendFsync, "always", StringComparison.OrdinalIgnoreCase);

    public static async Task<RedisPersistence> ReadAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints().First());
        bool? appendOnly = null;
        string? fsync = null;
        string? configError = null;
        try
        {
            var config = (await server.ConfigGetAsync("append*").ConfigureAwait(false)).ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
            if (config.TryGetValue("appendonly", out var on)) appendOnly = string.Equals(on, "yes", StringComparison.OrdinalIgnoreCase);
            fsync = config.GetValueOrDefault("appendfsync");
            if (appendOnly is null) configError = "CONFIG GET appendonly returned nothing";
        }
        catch (RedisServerException ex)
        {
            // Renamed or forbidden (ERR unknown command, NOPERM): the operator must vouch for the server instead.
            configError = ex.Message;
        }
        var version = new Version(0, 0);
        var replicas = 0;
        try
        {
            var info = (await server.InfoAsync().ConfigureAwait(false)).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (info.TryGetValue("redis_version", out var v) && Version.TryParse(v, out var parsed)) version = parsed;
            if (info.TryGetValue("connected_slaves", out var r)) replicas = int.Parse(r, NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (RedisServerException)
        {
            // INFO refused too: without a version WAITAOF is not used, and replicas are only what WAIT reports.
        }
        return new RedisPersistence(appendOnly, fsync, version, replicas, configError);
    }
}
