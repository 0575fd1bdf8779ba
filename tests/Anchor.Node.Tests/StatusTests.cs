using System.Text.Json.Nodes;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class StatusTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Status_reports_log_silos_and_redis_persistence_to_the_operator_only()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "status.test/log", _state));
        Assert.Equal(401, (await node.GetAsync("/v1/admin/status")).Status);
        Assert.Equal(403, (await node.GetAsync("/v1/admin/status", "not-the-token")).Status);

        using var provider = new TestProvider("status");
        await provider.RegisterAsync(node);
        for (var i = 0; i < 2; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);

        var (status, body) = await node.GetAsync("/v1/admin/status", node.AdminToken);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("2", body["log"]!["size"]!.GetValue<string>());
        Assert.InRange(body["log"]!["checkpointAgeSeconds"]!.GetValue<double>(), 0, 30);
        var silos = body["silos"]!.AsArray();
        Assert.Single(silos);
        Assert.Equal("Active", silos[0]!["status"]!.GetValue<string>());
        Assert.Equal("1", body["redis"]!["aof_enabled"]!.GetValue<string>());
        Assert.Equal("ok", body["redis"]!["aof_last_write_status"]!.GetValue<string>());
        // Without anchoring registered, chains say so instead of failing the whole status.
        Assert.True(body["chains"] is JsonArray || body["chains"]!["error"] is not null, body.ToJsonString());
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
