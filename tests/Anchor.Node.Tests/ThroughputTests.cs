using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Anchor.Node.Tests;

/// <summary>
/// A quick load run that prints submissions/s and submit→receipt latency. Small by default so the suite
/// stays fast; ANCHOR_BENCH_SINGLES, ANCHOR_BENCH_BATCHES and ANCHOR_BENCH_PERIOD_MS change it.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ThroughputTests(RedisServer redis, ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Singles_and_batches_at_concurrency_32()
    {
        var singles = Setting("ANCHOR_BENCH_SINGLES", 1000);
        var batches = Setting("ANCHOR_BENCH_BATCHES", 8);
        var period = Setting("ANCHOR_BENCH_PERIOD_MS", 250);
        output.WriteLine($"sequencer period {period} ms");
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "throughput.test/log", _state,
            $"--Anchor:Sequencer:PeriodMilliseconds={period}", "--Anchor:RateLimit:PermitsPerSecond=100000", "--Anchor:RateLimit:Burst=100000"));
        using var provider = new TestProvider("bench");
        await provider.RegisterAsync(node);

        var requests = Enumerable.Range(0, singles).Select(_ => provider.Single(TestProvider.NewEvidence())).ToList();
        var (rate, p50, p99) = await RunAsync(node, "/v1/evidence", requests, 32);
        output.WriteLine(Line($"single: {singles} records, concurrency 32", rate, 1, p50, p99));
        Assert.True(rate > 0);

        var batchRequests = Enumerable.Range(0, batches).Select(_ => provider.Batch([.. Enumerable.Range(0, 1000).Select(_ => TestProvider.NewEvidence())])).ToList();
        (rate, p50, p99) = await RunAsync(node, "/v1/evidence/batch", batchRequests, 4);
        output.WriteLine(Line($"batch: {batches} × 1000 records, concurrency 4", rate, 1000, p50, p99));

        var size = ulong.Parse((await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1], CultureInfo.InvariantCulture);
        Assert.Equal((ulong)(1 + singles + batches * 1000), size); // The provider's key registration, then the records.
    }

    private static async Task<(double Rate, double P50, double P99)> RunAsync(TestNode node, string path, List<JsonObject> requests, int concurrency)
    {
        var latencies = new double[requests.Count];
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, requests.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
        {
            var start = Stopwatch.GetTimestamp();
            var (status, body) = await node.PostAsync(path, requests[i]);
            latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            Assert.True(status == 200, body.ToJsonString());
        });
        var seconds = clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        return (requests.Count / seconds, latencies[(int)(latencies.Length * 0.50)], latencies[Math.Min(latencies.Length - 1, (int)(latencies.Length * 0.99))]);
    }

    private static string Line(string what, double requestsPerSecond, int recordsPerRequest, double p50, double p99) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{what}: {requestsPerSecond * recordsPerRequest:F0} records/s ({requestsPerSecond:F1} requests/s), submit→receipt p50 {p50:F0} ms, p99 {p99:F0} ms");

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
