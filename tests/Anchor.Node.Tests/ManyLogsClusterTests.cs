using System.Text.Json.Nodes;
using Anchor.Storage;

namespace Anchor.Node.Tests;

/// <summary>
/// Many logs on a real Redis Cluster (3 primaries, 3 replicas): logs whose hash tags fall on different primaries, each
/// with its own provider, sequenced and proven on its own, and every key of a log on the one primary that holds its slot.
/// </summary>
[Collection(DeployCollection.Name)] // Six Redis servers and a silo: alone, so other suites' timings are not disturbed.
public sealed class ManyLogsClusterTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Logs_spread_over_the_primaries_and_each_sequences_and_proves_on_its_own()
    {
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster());
        const string origin = "cluster.test/many-0";
        await using var node = await TestNode.StartAsync(TestNode.Args(cluster.Connection, origin, _state, "--Anchor:Redis:Replicas=1", "--Anchor:RootOrigin=" + origin + "/root"));
        var admin = node.AdminToken;

        // Create logs until they sit on at least two primaries (the default log counts): the slot map decides, by hash tag.
        var logs = new List<(string Origin, RedisServer Primary)> { (origin, await cluster.PrimaryOfAsync(new LogKeys(origin).Head)) };
        for (var i = 1; logs.Select(l => l.Primary.Port).Distinct().Count() < 2 || logs.Count < 3; i++)
        {
            Assert.True(i < 20, "twenty logs on one primary");
            var name = $"cluster.test/many-{i}";
            var (status, created) = await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = name }, admin);
            Assert.True(status == 201, created.ToJsonString());
            logs.Add((name, await cluster.PrimaryOfAsync(new LogKeys(name).Head)));
        }
        Assert.True(logs.Select(l => l.Primary.Port).Distinct().Count() >= 2);

        // A provider per log, a single record and a batch each, in parallel; every bundle verifies under its log's key only.
        var keys = (await node.GetAnonymousAsync("/v1/logs")).Body["logs"]!.AsArray()
            .ToDictionary(l => l!["origin"]!.GetValue<string>(), l => l!["logKey"]!.GetValue<string>());
        await Task.WhenAll(logs.Select(async (log, i) =>
        {
            using var provider = new TestProvider($"cp-{i}");
            var registration = provider.Registration();
            registration["log"] = log.Origin;
            var (registered, body) = await node.PostAsync("/v1/admin/providers", registration, admin);
            Assert.True(registered == 201, body.ToJsonString());
            var (single, answer) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
            Assert.True(single == 200, answer.ToJsonString());
            Assert.Equal(log.Origin, answer["receipt"]!["origin"]!.GetValue<string>());
            Assert.Equal("1", answer["leafIndex"]!.GetValue<string>());
            var (batch, batchAnswer) = await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 50).Select(_ => TestProvider.NewEvidence("c-b"))]));
            Assert.True(batch == 200, batchAnswer.ToJsonString());
            var path = log.Origin == origin ? "/v1/proofs/51" : $"/v1/logs/{log.Origin}/proofs/51";
            var (proof, bundle) = await node.GetAsync(path);
            Assert.True(proof == 200, bundle.ToJsonString());
            await Bundles.VerifyAsync(bundle, keys[log.Origin]);
        }));

        // Each log's keys are on its own primary, and only there.
        foreach (var (name, primary) in logs)
        {
            var prefix = new LogKeys(name).Prefix + "*";
            Assert.True(await RedisClusterTests.CountKeysAsync(primary, prefix) > 3, $"{name}: its keys are not on {primary.Connection}");
            foreach (var other in cluster.Servers.Where(s => s != primary))
                if (await RedisCluster.RoleAsync(other) == "master") Assert.Equal(0, await RedisClusterTests.CountKeysAsync(other, prefix));
            Assert.Equal("52", (await node.GetAnonymousAsync($"/v1/logs/{name}")).Body["size"]!.GetValue<string>());
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
