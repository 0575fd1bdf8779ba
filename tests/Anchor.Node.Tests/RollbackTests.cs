using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Anchor.Grains;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// A Redis that goes back in time (restored from an older copy, or its AOF cut by a power loss), with the node stopped or
/// running: the node refuses to sequence with <c>log_rolled_back</c> instead of giving indices a second time, keeps serving
/// reads, never serves a proof that does not verify nor a 500, and resumes once what was lost is back.
/// </summary>
[Collection(NodeCollection.Name)] // Its nodes meter under the names MetricsTests reads: never in parallel with it.
public sealed class RollbackTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task A_node_started_on_a_rolled_back_log_refuses_to_sequence_serves_reads_and_resumes_once_restored()
    {
        await using var redis = await RedisServer.StartAsync(new RedisServer());
        var args = TestNode.Args(redis.Connection, "rolled-back.test/log", _state);
        using var provider = new TestProvider("rolled");
        LogHead early, late;
        string logKey;
        using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection))
        {
            var store = new LogStore(connection, "rolled-back.test/log");
            await using (var node = await TestNode.StartAsync(args))
            {
                await provider.RegisterAsync(node);
                logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
                for (var i = 0; i < 4; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
                early = await store.ReadHeadAsync();
                Assert.Equal(200, (await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 30).Select(_ => TestProvider.NewEvidence())]))).Status);
                late = await store.ReadHeadAsync();
            }
            // While the node is down, Redis comes back from a copy taken at size 5 (the key registration and 4 records).
            await SetHeadAsync(connection, store, early);
        }

        await using (var node = await TestNode.StartAsync(args, healthy: false))
        {
            var (status, health) = await node.HealthAsync();
            Assert.True(status == 503, health.ToJsonString());
            Assert.Equal("log_rolled_back", health["code"]!.GetValue<string>());
            Assert.Contains("its head is at size 5", health["sequencer"]!.GetValue<string>());
            Assert.Contains("size 35", health["sequencer"]!.GetValue<string>());

            using var refused = await node.Http.PostAsync("/v1/evidence", Json(provider.Single(TestProvider.NewEvidence())));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("log_rolled_back", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
            Assert.False(refused.Headers.Contains("Retry-After")); // Retrying does not help: an operator must act.

            // Reads go on: what the log still holds verifies.
            Assert.Equal("5", (await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1]);
            await Bundles.VerifyAsync((await node.GetAsync("/v1/proofs/4")).Body, logKey);
            Assert.Equal(404, (await node.GetAsync("/v1/proofs/5")).Status);
            var (exit, output, error) = await CliRunner.Run("status", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", Path.Combine(_state, NodeState.AdminTokenFile));
            Assert.True(exit == 0, error);
            Assert.Contains("REFUSING TO SEQUENCE (log_rolled_back): the log was rolled back", output, StringComparison.Ordinal);

            // The operator restores what was lost: the node resumes by itself, after 35.
            using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection))
                await SetHeadAsync(connection, new LogStore(connection, "rolled-back.test/log"), late);
            await node.WaitHealthyAsync();
            var (accepted, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
            Assert.True(accepted == 200, body.ToJsonString());
            Assert.Equal("35", body["leafIndex"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Redis_going_back_under_a_running_node_leaves_no_broken_proof_and_no_500_even_if_someone_forks_it()
    {
        const string origin = "rollback-live.test/log";
        await using var redis = await RedisServer.StartAsync(new RedisServer());
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        using var provider = new TestProvider("live");
        await provider.RegisterAsync(node);
        await SubmitAsync(node, provider, batches: 2);
        var copy = redis.CopyAof(); // Size 111 (the key registration, 110 records): what a restore, or a power loss, will bring back.
        await SubmitAsync(node, provider, batches: 3);
        Assert.Equal("276", (await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1]);

        // Readers fill the tile, batch and fold caches, and keep reading through everything below.
        var answers = new ConcurrentBag<(int Status, ulong Index, string Body)>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(r => ReadAsync(node, 276, answers, stop.Token)).ToList();
        await Task.Delay(1000);

        // Redis goes back to size 111 under the running node.
        await redis.RestoreAofAsync(copy);
        Directory.Delete(copy, recursive: true);
        // The node's connection fails fast while Redis restarts (503), and reconnects by itself.
        await PollAsync(async () =>
        {
            using var checkpoint = await node.Http.GetAsync("/checkpoint");
            return checkpoint.IsSuccessStatusCode && (await checkpoint.Content.ReadAsStringAsync()).Split('\n')[1] == "111";
        });
        // No record gets one of the indices 111 to 275 again.
        var (status, refusal) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
        Assert.True(status == 503, refusal.ToJsonString());
        await PollAsync(async () => (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Body["code"]!.GetValue<string>() == "log_rolled_back");

        // Worse: a writer that ignores the evidence (none is recorded yet on a copy, it says) grows another history past 276.
        using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection))
        {
            var store = new LogStore(connection, origin);
            await connection.GetDatabase().KeyDeleteAsync(store.Keys.Rollback);
            using var signer = NoteSigner.FromSeed(origin, await File.ReadAllBytesAsync(Path.Combine(_state, NodeState.LogKeyFile)));
            var forker = new LogSequencer(store, signer);
            // One append: the node's sequencer, which re-checks every few seconds, must not record new evidence half-way.
            await forker.SequenceAsync([Batch(provider, 50), Batch(provider, 50), Batch(provider, 50), Batch(provider, 50)]);
            Assert.Equal(311UL, (await store.ReadHeadAsync()).Size);
        }
        await Task.Delay(1500);
        stop.Cancel();
        await Task.WhenAll(readers);

        // Every answer was a verifying bundle, a 404 for a leaf the log did not hold, or a 503 while Redis restarted.
        Assert.DoesNotContain(answers, a => a.Status is not (200 or 404 or 503));
        var served = answers.Where(a => a.Status == 200).ToList();
        Assert.True(served.Count > 100, $"only {served.Count} bundles served");
        foreach (var (_, index, body) in served) await InclusionVerifiesAsync(body, index, logKey);
        Assert.Contains(served, a => a.Index >= 276); // Read from the forked history too.
    }

    /// <summary>Loops GET /v1/proofs/{i} over the first <paramref name="size"/> leaves (and the forked ones beyond) until stopped.</summary>
    private static async Task ReadAsync(TestNode node, ulong size, ConcurrentBag<(int, ulong, string)> answers, CancellationToken stop)
    {
        var random = new Random();
        while (!stop.IsCancellationRequested)
        {
            var index = (ulong)random.Next(0, (int)size + 40);
            // Entries are private: the operator reads them with the admin token. Entry 0 (a key registration) is a 404.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/proofs/{index}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", node.AdminToken);
            using var response = await node.Http.SendAsync(request, CancellationToken.None);
            answers.Add(((int)response.StatusCode, index, await response.Content.ReadAsStringAsync(CancellationToken.None)));
        }
    }

    /// <summary>The bundle's entry hashes to its leaf hash, and its inclusion proof folds to the root of its signed checkpoint.</summary>
    private static async Task InclusionVerifiesAsync(string body, ulong index, string logKey)
    {
        var bundle = ProofBundle.FromJson(JsonNode.Parse(body));
        Assert.Equal(index.ToString(), bundle.LeafIndex);
        var report = await Anchor.Core.Verification.BundleVerifier.VerifyAsync(bundle, new() { Trust = Anchor.Core.Verification.TrustFile.ForLogKey(logKey) });
        var failed = report.Checks.Where(c => c.Status == Anchor.Core.Verification.CheckStatus.Fail).ToList();
        Assert.True(failed.Count == 0, $"leaf {index}: " + string.Join("; ", failed.Select(c => $"{c.Name}: {c.Detail}")));
    }

    private static async Task SubmitAsync(TestNode node, TestProvider provider, int batches)
    {
        for (var b = 0; b < batches; b++)
        {
            var (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 50).Select(_ => TestProvider.NewEvidence())]));
            Assert.True(status == 200, body.ToJsonString());
            for (var i = 0; i < 5; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
        }
    }

    /// <summary>A provider batch signed by <paramref name="provider"/>, as the verifier grain hands it to the sequencer.</summary>
    private static VerifiedRecord[] Batch(TestProvider provider, int count)
    {
        var evidence = Enumerable.Range(0, count).Select(_ => TestProvider.NewEvidence()).ToList();
        var request = provider.Batch(evidence);
        var (_, leaves) = Statements.BatchTree(provider.Id, provider.KeyId, evidence);
        // Entry 0 registers the provider's key.
        return VerifiedRecord.OfBatch(provider.Id, provider.KeyId, [.. evidence.Select(CanonicalEvidence.Of)], request["sig"]!.GetValue<string>(),
            request["root"]!.GetValue<string>(), 0, Times.ToText(DateTimeOffset.UtcNow), Anchor.Core.Merkle.FlatTree.Build(leaves));
    }

    private static Task SetHeadAsync(IConnectionMultiplexer connection, LogStore store, LogHead head) =>
        connection.GetDatabase().HashSetAsync(store.Keys.Head, [new("size", head.Size.ToString()), new("root", head.RootHex), new("checkpoint", head.Checkpoint)]);

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    private static async Task PollAsync(Func<Task<bool>> done)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(20); !await done(); await Task.Delay(200))
            Assert.True(DateTime.UtcNow < deadline, "not within 20 s");
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
