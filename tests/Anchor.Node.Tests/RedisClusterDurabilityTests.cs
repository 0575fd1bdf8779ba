using Anchor.Storage;

namespace Anchor.Node.Tests;

/// <summary>
/// Durability on a Redis Cluster: every server is checked (at start and after each write), not only the one the
/// connection string names first; where CONFIG is refused only the operator's assertion lets the node start; and the wait
/// for a replica asks the primary that holds the log's slot, not any primary, and holds back the head from readers too.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class RedisClusterDurabilityTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task One_primary_without_fsync_on_every_write_is_refused_at_start_and_after_a_write()
    {
        // Server 2 is the third primary: neither the first endpoint nor (by the test's choice below) necessarily the log's.
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster { AppendFsync = i => i == 2 ? "everysec" : "always" });
        const string origin = "durable-cluster.test/log";
        var weak = cluster.Servers[2];
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(cluster.Connection, origin, _state)));
        Assert.Contains($"Redis at {weak.Connection} fsyncs its append-only file 'everysec'", ex.Message);

        await RedisCluster.ConfigSetAsync(weak, "appendfsync", "always");
        await using var node = await TestNode.StartAsync(TestNode.Args(cluster.Connection, origin, _state));
        using var provider = new TestProvider("durable");
        await provider.RegisterAsync(node);

        // A primary that does not hold the log's slot switches to everysec under the running node: writes are withheld all the same
        // (Orleans' membership, reminders and grain state live on every primary, and the log may be moved to any of them).
        var owner = await cluster.PrimaryOfAsync(new LogKeys(origin).Head);
        var replicas = await cluster.ReplicasOfAsync(owner);
        var other = cluster.Servers.First(s => s != owner && !replicas.Contains(s));
        await RedisCluster.ConfigSetAsync(other, "appendfsync", "everysec");
        var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
        Assert.True(status == 503, body.ToJsonString());
        Assert.Equal("durability_lost", body["code"]!.GetValue<string>());
        Assert.Contains(other.Connection, body["detail"]!.GetValue<string>());

        await RedisCluster.ConfigSetAsync(other, "appendfsync", "always");
        await WaitAcknowledgedAsync(node, provider);
    }

    [Fact]
    public async Task Where_config_is_refused_only_the_operators_assertion_lets_the_node_start()
    {
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster { ExtraArgs = ["--rename-command", "CONFIG", ""] });
        const string origin = "managed-cluster.test/log";
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(cluster.Connection, origin, _state)));
        Assert.Contains("cannot read Redis persistence settings", ex.Message);
        Assert.Contains("Anchor:Redis:AssertDurable=true", ex.Message);

        // A replica's acknowledgement can take more than the default wait on a loaded machine (this failed once in a full
        // run, after 10 s): this test is about the assertion, not the wait, so the wait is long.
        await using var node = await TestNode.StartAsync(TestNode.Args(cluster.Connection, origin, _state, "--Anchor:Redis:AssertDurable=true", "--Anchor:Redis:Replicas=1",
            "--Anchor:Redis:ReplicaTimeoutMilliseconds=5000"));
        var (_, health) = await node.HealthAsync();
        Assert.StartsWith("asserted by Anchor:Redis:AssertDurable", health["durability"]!["guarantee"]!.GetValue<string>(), StringComparison.Ordinal);
        using var provider = new TestProvider("managed");
        await provider.RegisterAsync(node);
        var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
        Assert.True(status == 200, body.ToJsonString());
    }

    [Fact]
    public async Task The_wait_for_a_replica_asks_the_primary_of_the_logs_slot()
    {
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster());
        const string origin = "waiting-cluster.test/log";
        await using var node = await TestNode.StartAsync(TestNode.Args(cluster.Connection, origin, _state,
            "--Anchor:Redis:Replicas=1", "--Anchor:Redis:ReplicaTimeoutMilliseconds=300"));
        using var provider = new TestProvider("waiting");
        await provider.RegisterAsync(node);

        // The log's primary loses its replica; the other primaries keep theirs. A WAIT sent to any of them would answer 1
        // at once (this connection wrote nothing there): only the log's primary can say that no replica has the record.
        var owner = await cluster.PrimaryOfAsync(new LogKeys(origin).Head);
        var replica = Assert.Single(await cluster.ReplicasOfAsync(owner));
        replica.Kill();
        var record = provider.Single(TestProvider.NewEvidence());
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var (status, body) = await node.PostAsync("/v1/evidence", record);
            Assert.True(status == 503, body.ToJsonString());
            Assert.Contains("0 of the 1 replicas", body["detail"]!.GetValue<string>());
        }
        // The record is in the primary's head, but no reader gets that head while no replica has it: a failover now
        // would take it back, and another tree of that size would be signed.
        using (var checkpoint = await node.Http.GetAsync("/checkpoint"))
            Assert.True(checkpoint.StatusCode == System.Net.HttpStatusCode.ServiceUnavailable, await checkpoint.Content.ReadAsStringAsync());
        await replica.RestartAsync();
        await cluster.WaitReadyAsync(TimeSpan.FromSeconds(30));
        var (okStatus, ok) = await node.PostAsync("/v1/evidence", record);
        Assert.True(okStatus == 200, ok.ToJsonString());
        Assert.Equal("1", ok["leafIndex"]!.GetValue<string>());
        Assert.StartsWith(origin + "\n2\n", await node.Http.GetStringAsync("/checkpoint"), StringComparison.Ordinal);
    }

    private static async Task WaitAcknowledgedAsync(TestNode node, TestProvider provider)
    {
        var record = provider.Single(TestProvider.NewEvidence());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var (status, body) = await node.PostAsync("/v1/evidence", record);
            if (status == 200) return;
            Assert.True(DateTime.UtcNow < deadline, body.ToJsonString());
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
