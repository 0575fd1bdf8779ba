using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class TwoSiloTests(RedisServer redis, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Two_silos_of_one_cluster_sequence_every_acknowledged_entry_exactly_once()
    {
        const string origin = "two-silos.test/log";
        await using var a = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state));
        await using var b = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state));
        using var provider = new TestProvider("twins");
        await provider.RegisterAsync(a);
        var logKey = (await a.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        // Both silos are members of one cluster (Redis membership), so there is one sequencer activation.
        foreach (var node in new[] { a, b })
        {
            var hosts = await node.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
        }
        Assert.Equal(logKey, (await b.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>());

        const int count = 400;
        var retries = 0;
        var acknowledged = new ConcurrentBag<(string Nonce, ulong Index)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var node = i % 2 == 0 ? a : b;
            var evidence = TestProvider.NewEvidence("contract-twins");
            var request = provider.Single(evidence);
            for (var attempt = 0; ; attempt++)
            {
                var (status, body) = await node.PostAsync("/v1/evidence", request);
                if (status == 503 && attempt < 20) { Interlocked.Increment(ref retries); await Task.Delay(100); continue; } // Retryable: same record again.
                Assert.True(status == 200, body.ToJsonString());
                acknowledged.Add((evidence.Nonce, ulong.Parse(body["leafIndex"]!.GetValue<string>())));
                break;
            }
        });

        output.WriteLine($"{count} entries through two front ends, {retries} retryable refusals");
        Assert.Equal(count, acknowledged.Count);
        // Entry 0 is the provider's key registration; the records follow it without a gap.
        Assert.Equal(Enumerable.Range(1, count).Select(i => (ulong)i), acknowledged.Select(x => x.Index).Order());

        // Each index holds the entry that was acknowledged for it, as seen from either front end.
        foreach (var (nonce, index) in acknowledged.Where(x => x.Index % 37 == 0))
        {
            var node = index % 2 == 0 ? b : a;
            var (status, bundle) = await node.GetAsync($"/v1/proofs/{index}");
            Assert.Equal(200, status);
            Assert.Equal(nonce, bundle["entry"]!["evidence"]!["nonce"]!.GetValue<string>());
            await Bundles.VerifyAsync(bundle, logKey);
        }
        var all = (await b.GetAsync("/v1/contracts/contract-twins/proofs?provider=twins", provider.ReadToken)).Body["bundles"]!.AsArray();
        Assert.Equal(count, all.Count);
        Assert.Equal(acknowledged.Select(x => x.Nonce).Order(), all.Select(x => x!["entry"]!["evidence"]!["nonce"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task When_one_silo_leaves_the_other_takes_over_the_log_without_a_gap()
    {
        const string origin = "failover.test/log";
        var a = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state));
        await using var b = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state));
        using var provider = new TestProvider("failover");
        await provider.RegisterAsync(a);
        var acknowledged = new ConcurrentBag<ulong>();
        var retries = 0;

        async Task Submit(TestNode node, int count) => await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var request = provider.Single(TestProvider.NewEvidence());
            for (var attempt = 0; ; attempt++)
            {
                var (status, body) = await node.PostAsync("/v1/evidence", request);
                if (status == 503 && attempt < 50) { Interlocked.Increment(ref retries); await Task.Delay(200); continue; }
                Assert.True(status == 200, body.ToJsonString());
                acknowledged.Add(ulong.Parse(body["leafIndex"]!.GetValue<string>()));
                break;
            }
        });

        // The sequencer is placed on the first silo that calls it (a), so stopping a moves it to b.
        await Submit(a, 50);
        var before = (await b.HealthAsync()).Body["sequencerSilo"]!.GetValue<string>();
        var stopping = a.DisposeAsync().AsTask();
        await Task.WhenAll(Submit(b, 100), stopping);
        await Submit(b, 50);
        var after = (await b.HealthAsync()).Body["sequencerSilo"]!.GetValue<string>();
        output.WriteLine($"200 entries across a silo leaving, {retries} retryable refusals; sequencer on {before}, then {after}");
        Assert.NotEqual(before, after);

        Assert.Equal(Enumerable.Range(1, 200).Select(i => (ulong)i), acknowledged.Order()); // After the key registration, entry 0.
        var checkpoint = await b.Http.GetStringAsync("/checkpoint");
        Assert.Equal("201", checkpoint.Split('\n')[1]);
        var logKey = (await b.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        await Bundles.VerifyAsync((await b.GetAsync("/v1/proofs/1")).Body, logKey);
        await Bundles.VerifyAsync((await b.GetAsync("/v1/proofs/200")).Body, logKey);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
