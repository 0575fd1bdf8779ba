using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;
using Anchor.Node.Durability;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// The node acknowledges only what Redis has on disk: it refuses a Redis without AOF or with everysec (saying how to fix
/// it) unless told the instance is throwaway or the run a benchmark, trusts an operator's assertion only where CONFIG is
/// refused, reports what it relies on in /healthz and `anchor status`, and waits for replicas when asked.
/// </summary>
[Collection(NodeCollection.Name)] // Its nodes meter under the names MetricsTests reads: never in parallel with it.
public sealed class DurabilityTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task A_redis_without_appendonly_is_refused_with_the_fix_and_a_throwaway_one_is_accepted()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer { AppendOnly = false });
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(redis.Connection, "aof.test/log", _state)));
        Assert.Contains("appendonly", ex.Message);
        Assert.Contains("redis-server --appendonly yes --appendfsync always", ex.Message);
        Assert.Contains("CONFIG SET appendonly yes", ex.Message);
        Assert.Contains("Anchor:Redis:Throwaway=true", ex.Message);

        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "aof-throwaway.test/log", _state, "--Anchor:Redis:Throwaway=true"));
        var (status, health) = await node.HealthAsync();
        Assert.True(status == 200, health.ToJsonString());
        Assert.Equal("throwaway", health["durability"]!["mode"]!.GetValue<string>());
    }

    [Fact]
    public async Task Everysec_is_refused_unless_relaxed_and_relaxed_is_shown_in_healthz_and_status()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer { AppendFsync = "everysec" });
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(redis.Connection, "everysec.test/log", _state)));
        Assert.Contains("'everysec'", ex.Message);
        Assert.Contains("appendfsync always", ex.Message);
        Assert.Contains("Anchor:Durability=Relaxed", ex.Message);

        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "everysec.test/log", _state, "--Anchor:Durability=relaxed"));
        var (status, health) = await node.HealthAsync();
        Assert.True(status == 200, health.ToJsonString()); // Chosen, so reported, not unhealthy.
        Assert.Equal("relaxed", health["durability"]!["mode"]!.GetValue<string>());
        Assert.Contains("everysec", health["durability"]!["guarantee"]!.GetValue<string>());
        Assert.Contains("benchmarks only", health["durability"]!["warnings"]![0]!.GetValue<string>());

        var (exit, output, error) = await CliRunner.Run("status", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", Path.Combine(_state, NodeState.AdminTokenFile));
        Assert.True(exit == 0, error);
        Assert.StartsWith("durability relaxed: appendfsync everysec", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Always_is_durable_and_switching_it_off_under_a_running_node_makes_it_unhealthy()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer());
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "always.test/log", _state));
        var (status, health) = await node.HealthAsync();
        Assert.True(status == 200, health.ToJsonString());
        Assert.Equal("durable", health["durability"]!["mode"]!.GetValue<string>());
        Assert.Equal("appendfsync always", health["durability"]!["guarantee"]!.GetValue<string>());

        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Connection + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ConfigSetAsync("appendfsync", "everysec");
        (status, health) = await PollHealthAsync(node, 503);
        Assert.Contains("no longer fsyncs every write", health["durability"]!["problem"]!.GetValue<string>());
        await server.ConfigSetAsync("appendfsync", "always");
        (status, health) = await PollHealthAsync(node, 200);
        Assert.Null(health["durability"]!["problem"]);
    }

    [Fact]
    public async Task Where_config_is_refused_only_the_operators_assertion_lets_the_node_start()
    {
        // Managed Redis services often rename or forbid CONFIG.
        await using var redis = await RedisServer.StartAsync(new RedisServer { ExtraArgs = ["--rename-command", "CONFIG", ""] });
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(redis.Connection, "managed.test/log", _state)));
        Assert.Contains("cannot read Redis persistence settings", ex.Message);
        Assert.Contains("Anchor:Redis:AssertDurable=true", ex.Message);

        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "managed.test/log", _state, "--Anchor:Redis:AssertDurable=true"));
        var (status, health) = await node.HealthAsync();
        Assert.True(status == 200, health.ToJsonString());
        Assert.StartsWith("asserted by Anchor:Redis:AssertDurable", health["durability"]!["guarantee"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("relies on Anchor:Redis:AssertDurable", health["durability"]!["warnings"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task With_a_replica_required_a_record_is_acknowledged_only_once_the_replica_has_it()
    {
        await using var primary = await RedisServer.StartAsync(new RedisServer());
        await using var replica = await RedisServer.StartAsync(new RedisServer { ExtraArgs = ["--replicaof", "127.0.0.1", primary.Port.ToString()] });
        await WaitReplicasAsync(primary, 1);
        await using var node = await TestNode.StartAsync(TestNode.Args(primary.Connection, "replicated.test/log", _state,
            "--Anchor:Redis:Replicas=1", "--Anchor:Redis:ReplicaTimeoutMilliseconds=300"));
        Assert.Contains("WAIT for 1 replica", (await node.HealthAsync()).Body["durability"]!["guarantee"]!.GetValue<string>());
        using var provider = new TestProvider("replicated");
        await provider.RegisterAsync(node);
        var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("1", body["leafIndex"]!.GetValue<string>()); // Entry 0 registers the provider's key.

        // No replica: the record is written on the primary, but not acknowledged.
        replica.Kill();
        var record = provider.Single(TestProvider.NewEvidence());
        (status, body) = await node.PostAsync("/v1/evidence", record);
        Assert.True(status == 503, body.ToJsonString());
        Assert.Equal("unavailable", body["code"]!.GetValue<string>());
        Assert.Contains("0 of the 1 replicas", body["detail"]!.GetValue<string>());
        // A retry of the same record waits again: refused while no replica has it, then its original index once one does.
        Assert.Equal(503, (await node.PostAsync("/v1/evidence", record)).Status);
        await replica.RestartAsync();
        await WaitReplicasAsync(primary, 1);
        (status, body) = await node.PostAsync("/v1/evidence", record);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("2", body["leafIndex"]!.GetValue<string>());
        Assert.Equal("3", (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Body["leafIndex"]!.GetValue<string>());
    }

    [Fact]
    public void The_decision_follows_what_the_server_says_never_the_assertion_against_it()
    {
        var options = new AnchorOptions();
        var writers = 0;
        IConnectionMultiplexer Writer() { writers++; return null!; }
        var v70 = new Version(7, 0, 15);
        var v72 = new Version(7, 2, 4);

        // appendfsync always: nothing to wait for, no second connection.
        var (commit, status) = DurabilityCheck.Decide(options, new RedisPersistence(true, "always", v70, 0, null), Writer);
        Assert.Equal(("durable", false, 0, 0), (status.Mode, commit.Waits, commit.Replicas, writers));
        // everysec on 7.2: WAITAOF after each append, on a connection of its own.
        (commit, status) = DurabilityCheck.Decide(options, new RedisPersistence(true, "everysec", v72, 0, null), Writer);
        Assert.Equal(("durable", true, 1), (status.Mode, commit.WaitAof, writers));
        // CONFIG refused on 7.2: WAITAOF proves each fsync, no assertion needed.
        (commit, status) = DurabilityCheck.Decide(options, new RedisPersistence(null, null, v72, 0, "ERR unknown command 'CONFIG'"), Writer);
        Assert.True(commit.WaitAof);
        // The assertion does not outvote a server that says everysec.
        var asserted = new AnchorOptions { Redis = { AssertDurable = true } };
        Assert.Throws<NodeStartupException>(() => DurabilityCheck.Decide(asserted, new RedisPersistence(true, "everysec", v70, 0, null), Writer));
        Assert.Throws<NodeStartupException>(() => DurabilityCheck.Decide(options, new RedisPersistence(true, "no", v70, 0, null), Writer));
        // Replicas: WAIT on 7.0, WAITAOF (their fsync too) on 7.2; too few connected is a warning, not a refusal.
        var replicated = new AnchorOptions { Redis = { Replicas = 2 } };
        (commit, status) = DurabilityCheck.Decide(replicated, new RedisPersistence(true, "always", v70, 1, null), Writer);
        Assert.Equal((false, 2), (commit.WaitAof, commit.Replicas));
        Assert.Contains("1 replica(s) are connected", status.Warnings.Single());
        (commit, _) = DurabilityCheck.Decide(replicated, new RedisPersistence(true, "always", v72, 2, null), Writer);
        Assert.Equal((true, 2), (commit.WaitAof, commit.Replicas));
    }

    private static async Task<(int Status, JsonObject Body)> PollHealthAsync(TestNode node, int want)
    {
        // The probe re-reads Redis persistence every 5 s.
        var deadline = DateTime.UtcNow + Observability.NodeProbes.Interval * 3;
        while (true)
        {
            var (status, body) = await node.HealthAsync();
            if (status == want || DateTime.UtcNow > deadline) { Assert.True(status == want, body.ToJsonString()); return (status, body); }
            await Task.Delay(200);
        }
    }

    private static async Task WaitReplicasAsync(RedisServer primary, int count)
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync(primary.Connection + ",allowAdmin=true");
        for (var deadline = DateTime.UtcNow.AddSeconds(20); ; await Task.Delay(100))
        {
            var info = (await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("replication")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
            var online = info.Count(kv => kv.Key.StartsWith("slave", StringComparison.Ordinal) && kv.Value.Contains("state=online", StringComparison.Ordinal));
            if (online >= count) return;
            Assert.True(DateTime.UtcNow < deadline, $"{online} replica(s) online after 20 s");
        }
    }

    [Fact]
    public void Invalid_settings_are_refused_with_every_problem_named()
    {
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(["--Anchor:Redis:Connection=", "--Anchor:Sequencer:PoolSize=0", "--Anchor:Redis:Replicas=-1"]));
        Assert.Contains("Anchor:Origin is required", ex.Message);
        Assert.Contains("Anchor:Redis:Connection is required", ex.Message);
        Assert.Contains("Anchor:Sequencer:PoolSize", ex.Message);
        Assert.Contains("Anchor:Redis:Replicas", ex.Message);
        ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(["--Anchor:Durability=fast"]));
        Assert.Contains("fast", ex.Message);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
