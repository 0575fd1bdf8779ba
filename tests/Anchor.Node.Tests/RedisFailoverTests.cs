using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Cli;
using Anchor.Storage;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Anchor.Node.Tests;

/// <summary>
/// kill -9 of the Redis primary that holds the log's slot while clients keep submitting: its replica takes over
/// (cluster-node-timeout 1.5 s). With appendfsync always and a wait for one replica, every acknowledged record is still at
/// its index with its leaf hash, no index is handed out twice, and every checkpoint anyone read is a prefix of the log.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class RedisFailoverTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Killing_the_primary_of_the_logs_slot_under_load_loses_no_acknowledged_record_and_reissues_no_index()
    {
        await using var cluster = await RedisCluster.StartAsync(new RedisCluster { NodeTimeoutMilliseconds = 1500 });
        const string origin = "failover.test/log";
        await using var node = await TestNode.StartAsync(TestNode.Args(cluster.Connection, origin, _state,
            "--Anchor:Redis:Replicas=1", "--Anchor:Redis:ReplicaTimeoutMilliseconds=1000"));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        using var provider = new TestProvider("failover");
        await provider.RegisterAsync(node);
        var keys = new LogKeys(origin);
        var owner = await cluster.PrimaryOfAsync(keys.Head);
        var replica = Assert.Single(await cluster.ReplicasOfAsync(owner));

        // Four clients submit without pause, each retrying the same record until it is acknowledged; a fifth reads the
        // checkpoint, as a monitor would.
        var acked = new List<(JsonObject Answer, Evidence Evidence, DateTime At)>();
        var checkpoints = new HashSet<string>(StringComparer.Ordinal);
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var evidence = TestProvider.NewEvidence("contract-" + w);
                var body = provider.Single(evidence);
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        using var response = await node.Http.PostAsync("/v1/evidence", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
                        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            lock (acked) acked.Add((answer, evidence, DateTime.UtcNow));
                            break;
                        }
                        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {answer.ToJsonString()}");
                        lock (refusals) refusals[answer["code"]!.GetValue<string>()] = refusals.GetValueOrDefault(answer["code"]!.GetValue<string>()) + 1;
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                    await Task.Delay(20);
                }
            }
        })).Append(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await node.Http.GetAsync("/checkpoint");
                    var note = await response.Content.ReadAsStringAsync();
                    if (response.IsSuccessStatusCode) lock (checkpoints) checkpoints.Add(note);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                await Task.Delay(10);
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(3));
        int before;
        lock (acked) before = acked.Count;
        Assert.True(before > 0, "nothing was acknowledged before the kill");
        var killedAt = DateTime.UtcNow;
        owner.Kill();
        log.WriteLine($"kill -9 of primary {owner.Connection} (the log's slot) after {before} acknowledged records");

        // The replica is promoted; then the old primary comes back, as a replica of the new one (a wait for one replica
        // needs one: with a single replica per primary, Redis moves no other replica over).
        var promoted = await WaitAsync(async () => await RedisCluster.RoleAsync(replica) == "master", TimeSpan.FromSeconds(30));
        var promotedAfter = promoted - killedAt;
        await owner.RestartAsync();
        await cluster.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(replica, await cluster.PrimaryOfAsync(keys.Head));

        var deadline = DateTime.UtcNow.AddSeconds(60);
        DateTime? firstAfter = null;
        while (DateTime.UtcNow < deadline)
        {
            lock (acked) firstAfter = acked.Where(a => a.At > promoted).Select(a => (DateTime?)a.At).Min();
            if (firstAfter is { } f && DateTime.UtcNow > f.AddSeconds(3)) break;
            await Task.Delay(200);
        }
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(firstAfter is not null, "nothing was acknowledged within 60 s of the failover");
        string refused;
        lock (refusals) refused = string.Join(", ", refusals.Select(r => $"{r.Key} {r.Value}"));
        // The outage as clients saw it: the longest time without an acknowledgement from the kill on.
        var times = acked.Select(a => a.At).Where(t => t >= killedAt).Prepend(killedAt).Order().ToList();
        var outage = times.Zip(times.Skip(1), (a, b) => b - a).Max();
        log.WriteLine($"replica {replica.Connection} promoted {promotedAfter.TotalSeconds:0.0} s after the kill; first acknowledgement after the promotion " +
            $"{(firstAfter.Value - killedAt).TotalSeconds:0.0} s after the kill; longest time without an acknowledgement {outage.TotalSeconds:0.0} s; " +
            $"acknowledged {acked.Count} records ({acked.Count(a => a.At > killedAt)} after the kill); refusals answered meanwhile: {(refused.Length > 0 ? refused : "none")}");

        // Every acknowledged record is at its index with its leaf hash; no index was acknowledged for two records.
        var indices = new HashSet<string>();
        foreach (var (answer, evidence, _) in acked)
        {
            var leaf = answer["leafIndex"]!.GetValue<string>();
            Assert.True(indices.Add(leaf), $"leaf {leaf} acknowledged for two records");
            var (status, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            Assert.True(status == 200, $"leaf {leaf}: {status} {bundle.ToJsonString()}");
            Assert.Equal(answer["leafHash"]!.GetValue<string>(), bundle["leafHash"]!.GetValue<string>());
            Assert.Equal(evidence.Nonce, bundle["entry"]!["evidence"]!["nonce"]!.GetValue<string>());
        }
        var last = acked.MaxBy(a => a.At);
        await Bundles.VerifyAsync((await node.GetAsync($"/v1/proofs/{last.Answer["leafIndex"]!.GetValue<string>()}")).Body, logKey);

        // No fork: every checkpoint read during the run is the log's tree at its size now.
        using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Connection);
        var store = new LogStore(redis, origin);
        var key = VerifierKey.Parse(logKey);
        foreach (var note in checkpoints)
        {
            var checkpoint = Checkpoint.Verify(note, key);
            Assert.Equal(Convert.ToHexStringLower(checkpoint.Root), Convert.ToHexStringLower(await store.ReadRootAtAsync(checkpoint.Size)));
        }
        log.WriteLine($"{checkpoints.Count} checkpoints read during the run, each the log's tree at its size");

        // The node still sequences (no rollback found), and the log, recomputed from the new primary, agrees with itself.
        var (healthStatus, health) = await node.HealthAsync();
        Assert.True(healthStatus == 200, health.ToJsonString());
        var (exit, output, error) = await CliRunner.Run("audit", "--redis", cluster.Connection, "--origin", origin, "--log-key", logKey);
        Assert.True(exit == 0, output + error);
        log.WriteLine(output.Trim());
    }

    private static async Task<DateTime> WaitAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                if (await condition()) return DateTime.UtcNow;
            }
            catch (RedisException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the replica was not promoted");
            await Task.Delay(50);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
