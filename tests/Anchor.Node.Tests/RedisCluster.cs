using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// A real Redis Cluster on loopback: <see cref="RedisServer"/>s started with <c>--cluster-enabled yes</c> (AOF fsynced on
/// every write, each in its own folder), joined by <c>redis-cli --cluster create … --cluster-replicas 1</c>, ready once
/// every node says <c>cluster_state:ok</c> and every primary has its replica online. Killed and removed after.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime, IAsyncDisposable
{
    public static async Task<RedisCluster> StartAsync(RedisCluster cluster)
    {
        try
        {
            await cluster.InitializeAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    /// <summary>Primaries; each gets one replica, so the cluster has twice as many servers.</summary>
    public int Primaries { get; init; } = 3;

    /// <summary>
    /// How long a primary may be unreachable before its replica is promoted (<c>cluster-node-timeout</c>). Short, so a
    /// failover takes a few seconds; Redis's default is 15 s.
    /// </summary>
    public int NodeTimeoutMilliseconds { get; init; } = 1500;

    /// <summary>appendfsync of server i (0-based, in start order); always unless a test weakens one.</summary>
    public Func<int, string> AppendFsync { get; init; } = _ => "always";

    /// <summary>More redis-server arguments for every server, e.g. <c>--rename-command CONFIG ""</c>.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    private readonly List<RedisServer> _servers = [];
    public IReadOnlyList<RedisServer> Servers => _servers;

    /// <summary>Every server's endpoint: the client finds the cluster from any of them, and keeps working when one dies.</summary>
    public string Connection => string.Join(",", _servers.Select(s => s.Connection));

    public async Task InitializeAsync()
    {
        for (var i = 0; i < Primaries * 2; i++)
        {
            _servers.Add(await RedisServer.StartAsync(new RedisServer
            {
                AppendFsync = AppendFsync(i),
                // The bus port chosen too: the default (port + 10000) may be taken, or beyond 65535 for a port above 55535.
                ExtraArgs = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", RedisServer.FreePort().ToString(CultureInfo.InvariantCulture),
                    "--cluster-node-timeout", NodeTimeoutMilliseconds.ToString(CultureInfo.InvariantCulture), .. ExtraArgs],
            }));
        }
        // The first half become primaries, in order (redis-cli assigns the rest as their replicas).
        var create = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["--cluster", "create", .. _servers.Select(s => s.Connection), "--cluster-replicas", "1", "--cluster-yes"])
            create.ArgumentList.Add(a);
        using (var process = Process.Start(create)!)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"redis-cli --cluster create failed:\n{await output}\n{await error}");
        }
        await WaitReadyAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Until every live server says cluster_state:ok and sees all the others, and every primary has a replica online.</summary>
    public async Task WaitReadyAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        string last = "";
        while (true)
        {
            try
            {
                var states = await Task.WhenAll(_servers.Where(s => s.Running).Select(StateAsync));
                if (states.All(s => s.Ok && s.Known == _servers.Count) && states.Count(s => s.Primary && s.Replicas >= 1) == Primaries) return;
                last = string.Join("; ", states.Select(s => s.ToString()));
            }
            catch (RedisException ex)
            {
                last = ex.Message;
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the Redis cluster is not ready: {last}");
            await Task.Delay(100);
        }
    }

    private sealed record ServerState(int Port, bool Ok, int Known, bool Primary, int Replicas);

    private static async Task<ServerState> StateAsync(RedisServer server)
    {
        await using var redis = await Direct(server);
        var one = redis.GetServer(server.Connection);
        var info = ((string)(await one.ExecuteAsync("CLUSTER", "INFO"))!).Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        var replication = (await one.InfoAsync("replication")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new ServerState(server.Port, info.GetValueOrDefault("cluster_state") == "ok", int.Parse(info.GetValueOrDefault("cluster_known_nodes", "0"), CultureInfo.InvariantCulture),
            // Online only: a replica still in its first sync (connected, not yet streaming) acknowledges no WAIT.
            replication.GetValueOrDefault("role") == "master", replication.Count(kv => kv.Key.StartsWith("slave", StringComparison.Ordinal) && kv.Value.Contains("state=online", StringComparison.Ordinal)));
    }

    /// <summary>The server that holds <paramref name="key"/>'s slot as primary now, asked of a live server (CLUSTER SLOTS).</summary>
    public async Task<RedisServer> PrimaryOfAsync(RedisKey key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _servers.First(s => s.Running).Connection }, ConnectTimeout = 2000 });
        var db = redis.GetDatabase();
        var slot = (long)(await db.ExecuteAsync("CLUSTER", "KEYSLOT", (string)key!));
        foreach (var range in (RedisResult[])(await db.ExecuteAsync("CLUSTER", "SLOTS"))!)
        {
            var r = (RedisResult[])range!;
            if ((long)r[0] <= slot && slot <= (long)r[1])
            {
                var port = (int)(long)((RedisResult[])r[2]!)[1];
                return _servers.Single(s => s.Port == port);
            }
        }
        throw new InvalidOperationException($"no primary holds slot {slot}");
    }

    /// <summary>The replicas of <paramref name="primary"/> now (its INFO replication).</summary>
    public async Task<List<RedisServer>> ReplicasOfAsync(RedisServer primary)
    {
        await using var redis = await Direct(primary);
        var replication = (await redis.GetServer(primary.Connection).InfoAsync("replication")).SelectMany(g => g);
        var ports = replication.Where(kv => kv.Key.StartsWith("slave", StringComparison.Ordinal) && kv.Value.Contains("port=", StringComparison.Ordinal))
            .Select(kv => int.Parse(kv.Value.Split(',').First(f => f.StartsWith("port=", StringComparison.Ordinal))[5..], CultureInfo.InvariantCulture));
        return [.. ports.Select(p => _servers.Single(s => s.Port == p))];
    }

    /// <summary>ROLE of one server now: master or slave.</summary>
    public static async Task<string> RoleAsync(RedisServer server)
    {
        await using var redis = await Direct(server);
        return (string)((RedisResult[])(await redis.GetServer(server.Connection).ExecuteAsync("ROLE"))!)[0]!;
    }

    /// <summary>CONFIG SET on one server (as an operator would with redis-cli), not through the cluster.</summary>
    public static async Task ConfigSetAsync(RedisServer server, string setting, string value)
    {
        await using var redis = await Direct(server);
        await redis.GetServer(server.Connection).ConfigSetAsync(setting, value);
    }

    private static Task<ConnectionMultiplexer> Direct(RedisServer server) =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { server.Connection }, AllowAdmin = true, ConnectTimeout = 2000 });

    public async Task DisposeAsync()
    {
        foreach (var server in _servers) await server.DisposeAsync();
    }
}
