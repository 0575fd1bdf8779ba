using System.Text.Json.Nodes;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;
using Anchor.Grains.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Node.Tests;

/// <summary>
/// The root log end to end (Anchor:RootOrigin): a real node, Redis, anvil and the OpenSSL development TSA. The rounds
/// append the log's checkpoints to the root log and seal only the root log's checkpoint; bundles carry the root step,
/// `anchor verify` and Core's verifier accept them against the node's trust file, openssl accepts the token over the root
/// checkpoint, and a trust file without the root log is refused.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class RootLogTests(RedisServer redis, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-root-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static string Describe(VerificationReport report) =>
        string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")) + "\n" + report.Verdict;

    [Fact]
    public async Task Rounds_seal_the_root_log_and_bundles_carry_its_step()
    {
        await using var tsa = await DevTsa.StartAsync(RepoRoot.Path);
        await using var anvil = await Anvil.StartAsync(31337);
        var chainArgs = await LocalChain.ArgsAsync(anvil, _state);
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "root.test/member", Path.Combine(_state, "node"),
        [
            "--Anchor:RootOrigin=root.test/root",
            "--Anchor:Anchoring:IntervalSeconds=1",
            .. chainArgs,
            "--Anchor:Tsa:0:Name=dev", $"--Anchor:Tsa:0:Url={tsa.Url}", "--Anchor:Tsa:0:HashAlg=sha256", $"--Anchor:Tsa:0:Roots={tsa.RootFile}",
        ]));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await AnchoringTests.SubmitAsync(node, provider, 5);

        var bundle = await SealedBundleAsync(node, leaves[2]);
        var root = bundle["root"]!.AsObject();
        var rootCheckpoint = root["checkpoint"]!.GetValue<string>();
        Assert.StartsWith("root.test/root\n", rootCheckpoint);
        Assert.StartsWith("root.test/member\n", bundle["checkpoint"]!.GetValue<string>());
        // The anchor and the token seal the root tree, not the member's.
        Assert.Equal(root["treeSize"]!.GetValue<string>(), bundle["anchors"]![0]!["treeSize"]!.GetValue<string>());
        var rootLog = node.Services.GetRequiredService<SealedLog>().Log;
        Assert.Equal("root.test/root", rootLog.Origin);
        var rootSize = ulong.Parse(root["treeSize"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(rootCheckpoint, await rootLog.ReadKeptCheckpointAsync(rootSize));
        // The root leaf is the member checkpoint's body, as stored.
        var rootLeaf = ulong.Parse(root["leafIndex"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var stored = await rootLog.ReadEntryAsync(rootLeaf, await rootLog.ReadHeadAsync());
        Assert.Equal(SignedNote.Parse(bundle["checkpoint"]!.GetValue<string>()).Text, System.Text.Encoding.UTF8.GetString(stored!));

        // openssl accepts the token over the root checkpoint's body, and refuses it over the member's.
        var token = Convert.FromBase64String(bundle["timestamps"]![0]!["token"]!.GetValue<string>());
        var (verified, text) = await OpenSslTs.VerifyAsync(token, TsaHashAlg.CheckpointImprint("sha256", rootCheckpoint), tsa.RootFile);
        Assert.True(verified == 0, text);
        var (memberVerified, _) = await OpenSslTs.VerifyAsync(token, TsaHashAlg.CheckpointImprint("sha256", bundle["checkpoint"]!.GetValue<string>()), tsa.RootFile);
        Assert.NotEqual(0, memberVerified);

        // The node's trust entry lists the member log (key only) and the root log (key and registry); against it every check passes.
        var trustJson = (await node.GetAsync("/v1/trust")).Body;
        var trust = TrustFile.FromJson(trustJson);
        Assert.Equal(["root.test/member", "root.test/root"], trust.Logs.Select(l => l.Origin));
        Assert.Empty(trust.Log("root.test/member")!.Chains);
        Assert.Equal(RegistryLog.Id(trust.Log("root.test/root")!.Chains[0].Operator, "root.test/root"), trust.Log("root.test/root")!.Chains[0].LogId);
        var chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) };
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = trust, Chains = chains });
        Assert.True(report.AllPassed, Describe(report));
        Assert.StartsWith("VALID: ", report.Verdict);

        // A trust file that lists the member log but not the root log: not valid.
        var withoutRoot = trust with { Logs = [.. trust.Logs.Where(l => l.Origin != "root.test/root")] };
        var refused = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = withoutRoot, Chains = chains });
        Assert.False(refused.AllPassed, Describe(refused));
        Assert.DoesNotContain("VALID: ", refused.Verdict);

        // The CLI, with the chain looked up.
        var bundleFile = Path.Combine(_state, "bundle.json");
        var trustFile = Path.Combine(_state, "trust.json");
        await File.WriteAllTextAsync(bundleFile, bundle.ToJsonString());
        await File.WriteAllTextAsync(trustFile, trustJson.ToJsonString());
        var (exit, output, error) = await CliRunner.Run("verify", bundleFile, "--trust", trustFile, "--rpc", $"31337={anvil.Url}");
        Assert.True(exit == 0, output + error);

        // Node's own crypto and JCS (tests/independent, no code of ours) follow the root step, and the root token through
        // openssl; the member key given as the root key is refused.
        var memberKey = trust.Log("root.test/member")!.Keys[0];
        var rootKey = trust.Log("root.test/root")!.Keys[0];
        var (independent, independentText) = await IndependentAsync(bundleFile, memberKey, "--tsa-root", tsa.RootFile, "--root-key", rootKey);
        Assert.True(independent == 0 && independentText.Contains("all checks passed", StringComparison.Ordinal), independentText);
        var (wrongRoot, wrongRootText) = await IndependentAsync(bundleFile, memberKey, "--root-key", memberKey);
        Assert.True(wrongRoot == 1, wrongRootText);

        // The audit reads the root log's leaves as checkpoint bodies, and checks its kept checkpoints, anchors and tokens.
        var (auditExit, auditText, auditError) = await CliRunner.Run("audit", "--redis", redis.Connection, "--origin", "root.test/root");
        Assert.True(auditExit == 0, auditText + auditError);
        Assert.Matches(@"[1-9]\d* time-stamp\(s\)", auditText);
    }

    /// <summary>
    /// One anchor per round, whatever the number of logs: a round that seals 16 member checkpoints costs the gas of one that
    /// seals one. Gas differs only by the calldata's zero bytes (4 gas each, 16 for others: roots are random), so the
    /// execution gas (gasUsed − 21,000 − calldata) is compared exactly; both raw figures are printed.
    /// </summary>
    [Fact]
    public async Task A_round_costs_the_same_gas_for_1_and_16_logs()
    {
        await using var anvil = await Anvil.StartAsync(31337);
        var chainArgs = await LocalChain.ArgsAsync(anvil, _state);
        var run = Guid.NewGuid().ToString("N")[..8];
        // Rounds an hour apart: after the first (at start), the test runs each round itself.
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, $"gas-{run}.test/log0", Path.Combine(_state, "node"),
        [
            $"--Anchor:RootOrigin=gas-{run}.test/root", "--Anchor:Anchoring:IntervalSeconds=3600",
            .. chainArgs,
        ]));
        var chain = node.Services.GetRequiredService<IGrainFactory>().GetGrain<IChainAnchorGrain>("local");
        var providers = new List<TestProvider> { new($"gas0-{run}") };
        await providers[0].RegisterAsync(node);

        // A first anchor writes the log's registry slots from zero; the rounds compared both update them.
        await AnchoringTests.SubmitAsync(node, providers[0], 1);
        var (_, first, _) = await RoundAsync(node, chain);
        await AnchoringTests.SubmitAsync(node, providers[0], 1);
        var (oneGas, oneSize, oneExecution) = await RoundAsync(node, chain);
        Assert.Equal(first + 1, oneSize); // One member checkpoint: one root leaf.

        for (var i = 1; i < 16; i++)
        {
            var origin = $"gas-{run}.test/log{i}";
            Assert.Equal(201, (await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = origin }, node.AdminToken)).Status);
            providers.Add(new TestProvider($"gas{i}-{run}"));
            await providers[i].RegisterAsync(node, origin);
        }
        foreach (var provider in providers) await AnchoringTests.SubmitAsync(node, provider, 1);
        var (sixteenGas, sixteenSize, sixteenExecution) = await RoundAsync(node, chain);
        Assert.Equal(oneSize + 16, sixteenSize); // Sixteen member checkpoints in one round: sixteen root leaves, one anchor.

        output.WriteLine($"gas of one anchoring round: 1 log {oneGas} (execution {oneExecution}), 16 logs {sixteenGas} (execution {sixteenExecution})");
        Assert.Equal(oneExecution, sixteenExecution);

        // Any log's entry verifies through the root log against the node's trust file, which lists all 16 logs and the root log.
        var trust = TrustFile.FromJson((await node.GetAsync("/v1/trust")).Body);
        Assert.Equal(17, trust.Logs.Count);
        var (status, bundle) = await node.GetAsync($"/v1/logs/gas-{run}.test/log9/proofs/1");
        Assert.True(status == 200 && bundle["root"] is not null && bundle["anchors"] is JsonArray { Count: 1 }, bundle.ToJsonString());
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions
        {
            Trust = trust,
            Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) },
        });
        Assert.True(report.AllPassed, Describe(report));
        foreach (var provider in providers) provider.Dispose();
    }

    /// <summary>Runs one anchoring round with a fresh seal; the anchor's gas, root tree size, and gas less the intrinsic and calldata cost.</summary>
    private static async Task<(ulong Gas, ulong Size, ulong Execution)> RoundAsync(TestNode node, IChainAnchorGrain chain)
    {
        var sealedLog = node.Services.GetRequiredService<SealedLog>();
        await node.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase().KeyDeleteAsync(sealedLog.Log.Keys.Full("seal"));
        var size = await chain.AnchorNow();
        var record = Anchor.Grains.Anchoring.StoredAnchor.FromJson((await node.Services.GetRequiredService<AnchorStore>().ReadLatestRecordAsync("local"))!);
        Assert.Equal(size, record.TreeSize);
        var gas = record.GasUsed ?? throw new InvalidOperationException("the anchor has no gas recorded");
        var input = await TransactionInputAsync(node, record.Anchor.TxHash);
        var calldata = (ulong)input.Sum(b => b == 0 ? 4L : 16L);
        return (gas, size, gas - 21_000 - calldata);
    }

    private static async Task<byte[]> TransactionInputAsync(TestNode node, string txHash)
    {
        var rpc = node.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AnchoringOptions>>().Value.Chains[0].RpcUrl;
        using var http = new HttpClient();
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "eth_getTransactionByHash", ["params"] = new JsonArray(txHash) };
        using var answer = await http.PostAsync(rpc, new StringContent(request.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var json = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
        return Convert.FromHexString(json["result"]!["input"]!.GetValue<string>()[2..]);
    }

    private static async Task<(int Exit, string Output)> IndependentAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(RepoRoot.Path, "tests", "independent", "verify-bundle.mjs") }.Concat(args)) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    /// <summary>Polls a leaf's bundle until a chain anchor and a TSA token seal it through the root log.</summary>
    private static async Task<JsonObject> SealedBundleAsync(TestNode node, ulong leaf)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (_, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            if (bundle["root"] is not null && bundle["anchors"] is JsonArray { Count: > 0 } && bundle["timestamps"] is JsonArray { Count: > 0 }) return bundle;
            if (DateTime.UtcNow > deadline) Assert.Fail($"leaf {leaf} was not sealed through the root log: {bundle.ToJsonString()}\nhealth: {(await node.HealthAsync()).Body.ToJsonString()}");
            await Task.Delay(250);
        }
    }
}
