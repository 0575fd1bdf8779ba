using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;
using Anchor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// A node on a real Redis Cluster (3 primaries, 3 replicas), given every endpoint: Orleans membership, reminders and
/// grain state live there, the log's keys in one slot; submissions, proofs, a restart and `anchor audit` all work.
/// </summary>
[Collection(DeployCollection.Name)] // Six Redis servers and a silo: alone, so other suites' timings are not disturbed.
public sealed class RedisClusterTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task A_node_on_a_redis_cluster_sequences_proves_restarts_and_audits()
    {
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster());
        const string origin = "cluster.test/log";
        var args = TestNode.Args(cluster.Connection, origin, _state, "--Anchor:Redis:Replicas=1");
        string logKey;
        using var provider = new TestProvider("clustered");
        await using (var node = await TestNode.StartAsync(args))
        {
            logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
            await provider.RegisterAsync(node);
            var (status, single) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
            Assert.True(status == 200, single.ToJsonString());
            var records = Enumerable.Range(0, 300).Select(_ => TestProvider.NewEvidence("contract-b")).ToList();
            var (batchStatus, batch) = await node.PostAsync("/v1/evidence/batch", provider.Batch(records));
            Assert.True(batchStatus == 200, batch.ToJsonString());

            var (proofStatus, bundle) = await node.GetAsync($"/v1/proofs/{single["leafIndex"]!.GetValue<string>()}");
            Assert.Equal(200, proofStatus);
            await Bundles.VerifyAsync(bundle, logKey);
            var (lastStatus, last) = await node.GetAsync("/v1/proofs/301");
            Assert.Equal(200, lastStatus);
            await Bundles.VerifyAsync(last, logKey);

            // The reminder table on the cluster: written, read back and removed through Orleans' own provider.
            var reminders = node.Services.GetRequiredService<Orleans.IReminderTable>();
            var grain = GrainId.Create("test", "reminder-on-cluster");
            var etag = await reminders.UpsertRow(new Orleans.ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = DateTime.UtcNow, Period = TimeSpan.FromMinutes(1) });
            Assert.NotNull(etag);
            Assert.Equal(etag, (await reminders.ReadRow(grain, "r"))?.ETag);
            Assert.True(await reminders.RemoveRow(grain, "r", etag));

            // Membership: this silo is Active in the table on the cluster.
            var (healthStatus, health) = await node.HealthAsync();
            Assert.True(healthStatus == 200, health.ToJsonString());
        }

        // Grain state (the provider's keys) and the log survive a restart of the silo from the cluster alone.
        await using (var node = await TestNode.StartAsync(args))
        {
            var (status, answer) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
            Assert.True(status == 200, answer.ToJsonString());
            Assert.Equal("302", answer["leafIndex"]!.GetValue<string>());
        }

        // Every key of the log in one slot, and so on one primary.
        var keys = new LogKeys(origin);
        var owner = await cluster.PrimaryOfAsync(keys.Head);
        var onOwner = await CountKeysAsync(owner, keys.Prefix + "*");
        Assert.True(onOwner > 3, $"{onOwner} keys on {owner.Connection}");
        foreach (var other in cluster.Servers.Where(s => s != owner))
            if (await RedisCluster.RoleAsync(other) == "master") Assert.Equal(0, await CountKeysAsync(other, keys.Prefix + "*"));

        var (exit, output, error) = await CliRunner.Run("audit", "--redis", cluster.Connection, "--origin", origin, "--log-key", logKey);
        Assert.True(exit == 0, output + error);
        Assert.Contains("at size 303: entries, tiles,", output, StringComparison.Ordinal);
    }

    internal static async Task<int> CountKeysAsync(RedisServer server, string pattern)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { server.Connection } });
        var count = 0;
        await foreach (var _ in redis.GetServer(server.Connection).KeysAsync(pattern: pattern)) count++;
        return count;
    }

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
