using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// Durability lost under a running node (a real Redis switched to <c>appendfsync everysec</c> by CONFIG SET) stops the
/// acknowledgements at once, not only /healthz a probe later; and every refusal to sequence is counted in
/// anchor_sequencing_refused_total by reason (durability_lost here, log_rolled_back after a Redis rollback).
/// </summary>
/// <remarks>
/// In the node collection although it starts Redis servers of its own: nodes meter under shared names, so one running
/// in parallel would show in another test's /metrics.
/// </remarks>
[Collection(NodeCollection.Name)]
public sealed class DurabilityLossTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Redis_switched_to_everysec_gets_no_acknowledgement_until_always_is_back()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer());
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "durability-loss.test/log", _state));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);

        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Connection + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await server.ConfigSetAsync("appendfsync", "everysec");
        // At once, before any health probe ran: the write may be in Redis, but it is not acknowledged.
        var record = provider.Single(TestProvider.NewEvidence());
        var (status, refusal) = await node.PostAsync("/v1/evidence", record);
        Assert.True(status == 503, refusal.ToJsonString());
        Assert.Equal("durability_lost", refusal["code"]!.GetValue<string>());
        Assert.Contains("no longer fsyncs every write", refusal["detail"]!.GetValue<string>());
        // Known lost now: refused before it is written.
        Assert.Equal((503, "durability_lost"), TestNode.Code(await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))));
        Assert.Equal(200, (await node.GetAnonymousAsync("/v1/node")).Status); // Reads go on.

        await server.ConfigSetAsync("appendfsync", "always");
        // The same request again: acknowledged now (with its original receipt, had the first attempt been written).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((status = (await node.PostAsync("/v1/evidence", record)).Status) == 503 && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.Equal(200, status);

        var metrics = await node.Operator.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(l => l.StartsWith("anchor_sequencing_refused_total{", StringComparison.Ordinal) && l.Contains("reason=\"durability_lost\"", StringComparison.Ordinal));
        Assert.True(double.Parse(line.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture) >= 2, line);
    }

    /// <summary>Redis restored to an older AOF under the node: its refusals to sequence are counted as log_rolled_back.</summary>
    [Fact]
    public async Task A_rolled_back_log_counts_its_refusals()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer());
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "rolled-back-metric.test/log", _state));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var copy = redis.CopyAof();
        for (var i = 0; i < 3; i++)
            Assert.Equal(200, (await node.PostAsync("/v1/evidence?wait=checkpoint", provider.Single(TestProvider.NewEvidence()))).Status);
        await redis.RestoreAofAsync(copy);
        Directory.Delete(copy, recursive: true);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        (int Status, string? Code) answer;
        while ((answer = TestNode.Code(await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence())))).Code != "log_rolled_back")
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log_rolled_back refusal: {answer}");
            await Task.Delay(200);
        }
        var metrics = await node.Operator.GetStringAsync("/metrics");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("anchor_sequencing_refused_total{", StringComparison.Ordinal) && l.Contains("reason=\"log_rolled_back\"", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
