using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What Redis says about how it keeps writes: <c>CONFIG GET append*</c> (null when CONFIG is refused, as managed services
/// often do), its version (WAITAOF needs 7.2) and how many replicas are connected (<c>INFO</c>). Read from every server the
/// connection knows (each primary of a Redis Cluster, and each replica, which becomes a primary on failover and then holds
/// all that survives), and reduced to the weakest: <see cref="Server"/> names the server the reading describes when one
/// is weaker than the rest (the first refusal of CONFIG, the first without AOF, the first without fsync on every write).
/// </summary>
public sealed record RedisPersistence(bool? AppendOnly, string? AppendFsync, Version Version, int ConnectedReplicas, string? ConfigError, string? Server = null)
{
    /// <summary>WAITAOF (Redis 7.2): blocks until the writes before it are fsynced locally (and on N replicas).</summary>
    public bool HasWaitAof => Version >= new Version(7, 2);

    /// <summary>Every write is fsynced before Redis answers it: Redis writes and fsyncs the AOF buffer before it sends the replies of an event-loop turn.</summary>
    public bool FsyncsEveryWrite => AppendOnly == true && string.Equals(AppendFsync, "always", StringComparison.OrdinalIgnoreCase);

    /// <summary>"Redis", or "Redis at HOST:PORT" when <see cref="Server"/> names the server that is weaker than the rest: for messages.</summary>
    public string Where => Server is null ? "Redis" : "Redis at " + Server;

    /// <summary>The weakest reading of every connected server; with <paramref name="configOnly"/>, CONFIG alone (no INFO: version 0.0, no replicas).</summary>
    /// <exception cref="RedisConnectionException">No server is connected: nothing says how writes are kept.</exception>
    public static async Task<RedisPersistence> ReadAsync(IConnectionMultiplexer redis, bool configOnly = false)
    {
        var servers = redis.GetServers().Where(s => s.IsConnected).ToList();
        if (servers.Count == 0) throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no Redis server is connected");
        var readings = await Task.WhenAll(servers.Select(s => ReadOneAsync(s, configOnly))).ConfigureAwait(false);
        var primaries = readings.Where((_, i) => !servers[i].IsReplica).ToList();
        var weakest = readings.FirstOrDefault(r => r.ConfigError is not null) ?? readings.FirstOrDefault(r => r.AppendOnly != true)
            ?? readings.FirstOrDefault(r => !r.FsyncsEveryWrite) ?? readings[0];
        return weakest with
        {
            Version = readings.Min(r => r.Version)!,
            ConnectedReplicas = primaries.Count > 0 ? primaries.Min(r => r.ConnectedReplicas) : 0,
            Server = readings.Length > 1 && (weakest.ConfigError is not null || !weakest.FsyncsEveryWrite) ? weakest.Server : null,
        };
    }

    private static async Task<RedisPersistence> ReadOneAsync(IServer server, bool configOnly)
    {
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
        if (!configOnly)
        {
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
        }
        return new RedisPersistence(appendOnly, fsync, version, replicas, configError, server.EndPoint.ToString());
    }
}
