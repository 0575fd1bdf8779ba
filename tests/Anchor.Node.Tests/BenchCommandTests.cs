using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>
/// <c>anchor bench</c> against a real node: the JSON report has its documented shape, and what it counts as accepted
/// is exactly how much the log grew. No timing is asserted: figures on a shared machine vary.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class BenchCommandTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Theory]
    [InlineData("single", "ed25519", 60, 1, "1")]
    [InlineData("batch", "ecdsa-p256-sha256", 300, 100, "0")]
    [InlineData("seal", "ed25519", 300, 100, "0")]
    public async Task Reports_accepted_records_equal_to_the_log_growth(string mode, string alg, int records, int batchSize, string warmup)
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, $"bench-{mode}.test/log", _state,
            "--Anchor:RateLimit:PermitsPerSecond=100000", "--Anchor:RateLimit:Burst=100000"));
        var tokenFile = Path.Combine(_state, "admin-token");
        var before = await SizeAsync(node);

        var (exit, output, error) = await CliRunner.Run("bench", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", tokenFile,
            "--mode", mode, "--alg", alg, "--records", records.ToString(CultureInfo.InvariantCulture),
            "--batch-size", batchSize.ToString(CultureInfo.InvariantCulture), "--concurrency", "8", "--warmup", warmup, "--json");
        Assert.True(exit == 0, output + error);

        var report = JsonNode.Parse(output)!.AsObject();
        var after = await SizeAsync(node);
        Assert.Equal(mode, (string?)report["mode"]);
        Assert.Equal(alg, (string?)report["alg"]);
        Assert.Equal(records, (long)report["records"]!);
        Assert.Equal(records, (long)report["accepted"]!);
        // Warm-up records are extra and counted apart: the figures start at logSizeBefore, after them.
        var warm = report["warmup"]!.AsObject();
        var warmAccepted = (ulong)warm["accepted"]!;
        Assert.InRange(warmAccepted, warmup == "0" ? 0UL : 1UL, warmup == "0" ? 0UL : (ulong)records); // a time limit: not all may go
        Assert.Equal((ulong)warm["records"]!, warmAccepted);
        Assert.True((double)warm["seconds"]! >= 0 && (double)warm["recordsPerSecond"]! >= 0);
        // The bench registers its throwaway provider first: its key registration is one entry of the log.
        Assert.Equal(after - before, (ulong)report["accepted"]! + warmAccepted + 1);
        Assert.Equal(before + 1 + warmAccepted, (ulong)report["logSizeBefore"]!);
        Assert.Equal(after, (ulong)report["logSizeAfter"]!);
        Assert.Empty(report["errors"]!.AsObject());
        Assert.True((double)report["recordsPerSecond"]! > 0);
        Assert.True((double)report["verifyOnly"]!["perSecond"]! > 0);
        Assert.Equal(Environment.ProcessorCount, (int)report["verifyOnly"]!["cores"]!);
        // Batch reports carry the SHA-256 ceiling of one batch record on this machine, single ones don't.
        if (mode is "batch" or "seal")
        {
            Assert.True((double)report["hashCeiling"]!["perSecond"]! > 0);
            Assert.Equal(Environment.ProcessorCount, (int)report["hashCeiling"]!["cores"]!);
            Assert.Equal(Math.Round((double)report["recordsPerSecond"]! / (double)report["hashCeiling"]!["perSecond"]!, 3),
                (double)report["ratioToHashCeiling"]!, 2);
        }
        else
        {
            Assert.False(report.ContainsKey("hashCeiling"));
        }
        foreach (var which in new[] { "receipt", "checkpointed" })
        {
            var p = report["latencyMs"]![which]!.AsObject();
            Assert.Equal(records / batchSize, (int)p["count"]!);
            Assert.True((double)p["p50"]! <= (double)p["p90"]! && (double)p["p90"]! <= (double)p["p99"]! && (double)p["p99"]! <= (double)p["max"]!, p.ToJsonString());
        }
        // Each request is credited a checkpoint only after its receipt, so every percentile of one bounds the other's.
        foreach (var q in new[] { "p50", "p90", "p99", "max" })
            Assert.True((double)report["latencyMs"]!["checkpointed"]![q]! >= (double)report["latencyMs"]!["receipt"]![q]!, q);
        Assert.Contains("accepted", error); // the live progress line

        // The throwaway provider really was registered, with a key of the chosen algorithm.
        var (status, provider) = await node.GetAsync($"/v1/admin/providers/{report["provider"]}", node.AdminToken);
        Assert.Equal(200, status);
        Assert.Equal(alg, (string?)provider["keys"]![0]!["alg"]);

        // Proof mode over the leaves just written (as the operator: entries are private): every GET answers, none fails.
        (exit, output, error) = await CliRunner.Run("bench", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", tokenFile, "--proofs", "--records", "40", "--concurrency", "4", "--warmup", "1", "--json");
        Assert.True(exit == 0, output + error);
        var proofs = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("proofs", (string?)proofs["mode"]);
        Assert.Equal(after, (ulong)proofs["logSize"]!);
        Assert.Equal(40, (int)proofs["accepted"]!);
        Assert.Empty(proofs["errors"]!.AsObject());
    }

    [Fact]
    public async Task A_wrong_admin_token_fails_with_the_nodes_code_and_writes_nothing()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "bench-auth.test/log", _state));
        var tokenFile = Path.Combine(_state, "wrong-token");
        await File.WriteAllTextAsync(tokenFile, "not-the-token");
        var (exit, output, _) = await CliRunner.Run("bench", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", tokenFile, "--records", "5", "--json");
        Assert.Equal(1, exit);
        Assert.Equal("forbidden", (string?)JsonNode.Parse(output)!["code"]);
        Assert.Equal(0UL, await SizeAsync(node));
    }

    [Fact]
    public async Task With_logs_it_drives_each_log_and_counts_what_each_grew()
    {
        var nodeOrigin = $"bench-logs-{Guid.NewGuid():N}.test/log";
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, nodeOrigin, _state, $"--Anchor:RootOrigin={nodeOrigin}/root",
            "--Anchor:RateLimit:PermitsPerSecond=100000", "--Anchor:RateLimit:Burst=100000"));
        var tokenFile = Path.Combine(_state, "admin-token");
        var (exit, output, error) = await CliRunner.Run("bench", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", tokenFile,
            "--mode", "batch", "--records", "300", "--batch-size", "50", "--concurrency", "2", "--warmup", "0", "--logs", "3", "--json");
        Assert.True(exit == 0, output + error);
        var report = JsonNode.Parse(output)!.AsObject();
        var lanes = report["logs"]!.AsArray();
        Assert.Equal(3, lanes.Count);
        Assert.Equal(300, (long)report["accepted"]!);
        foreach (var lane in lanes)
        {
            Assert.Equal(100, (long)lane!["accepted"]!);
            // Each log grew by its provider's key registration and its 100 records, nothing else: the lanes did not mix.
            var origin = (string)lane["origin"]!;
            Assert.Equal("101", (await node.GetAnonymousAsync($"/v1/logs/{origin}")).Body["size"]!.GetValue<string>());
        }
        Assert.Equal(3, lanes.Select(l => (string)l!["origin"]!).Distinct().Count());
        Assert.Equal(3, (await node.GetAnonymousAsync("/v1/logs")).Body["logs"]!.AsArray().Count); // The default and two created.
    }

    private static async Task<ulong> SizeAsync(TestNode node)
    {
        var response = await node.Http.GetAsync("/checkpoint");
        if (!response.IsSuccessStatusCode) return 0;
        return ulong.Parse((await response.Content.ReadAsStringAsync()).Split('\n')[1], CultureInfo.InvariantCulture);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
