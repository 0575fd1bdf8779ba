using System.Globalization;
using Anchor.Core.Checkpoints;
using System.Text.Json.Nodes;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Core.Records;
using Anchor.Core.Tests.Verification;
using Anchor.Core.Verification;

namespace Anchor.Node.Tests;

/// <summary>Anchoring end to end: a real node, Redis and anvil; bundles checked against the chain.</summary>
[Collection(NodeCollection.Name)]
public sealed class AnchoringTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-anchoring-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private sealed record Chain(Anvil Anvil, string Registry, string Rpc);

    private async Task<Chain> DeployAsync(Anvil anvil, string? rpc = null)
    {
        using var client = await AnchorRegistryClient.ConnectAsync(new ChainTarget("deploy", anvil.Url, anvil.ChainId), DevAccounts.Key0);
        var mined = await client.DeployAsync();
        return new Chain(anvil, mined.ContractAddress!, rpc ?? anvil.Url);
    }

    private string[] NodeArgs(string origin, params Chain[] chains)
    {
        var keyFile = Path.Combine(_state, "chain.key");
        File.WriteAllText(keyFile, DevAccounts.Key0 + "\n");
        var extra = new List<string> { "--Anchor:Anchoring:IntervalSeconds=1" };
        for (var i = 0; i < chains.Length; i++)
        {
            extra.Add($"--Anchor:Chains:{i}:Name=chain{chains[i].Anvil.ChainId}");
            extra.Add($"--Anchor:Chains:{i}:RpcUrl={chains[i].Rpc}");
            extra.Add($"--Anchor:Chains:{i}:ChainId={chains[i].Anvil.ChainId}");
            extra.Add($"--Anchor:Chains:{i}:Registry={chains[i].Registry}");
            extra.Add($"--Anchor:Chains:{i}:KeyFile={keyFile}");
            // Chain 31337's defaults are one confirmation; another anvil chain ID would wait for anvil's "finalized" block
            // (64 blocks behind) or 12 confirmations, which an idle anvil never mines.
            if (chains[i].Anvil.ChainId != 31337) extra.AddRange([$"--Anchor:Chains:{i}:Finality=confirmations", $"--Anchor:Chains:{i}:Confirmations=1"]);
        }
        return TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node"), [.. extra]);
    }

    /// <summary>Submits <paramref name="count"/> single records of <paramref name="provider"/>; their leaf indices (the time-stamping tests too).</summary>
    internal static async Task<List<ulong>> SubmitAsync(TestNode node, TestProvider provider, int count)
    {
        var indices = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence("contract-" + i)));
            Assert.True(status == 200, body.ToJsonString());
            indices.Add(ulong.Parse(body["leafIndex"]!.GetValue<string>(), CultureInfo.InvariantCulture));
        }
        return indices;
    }

    /// <summary>Polls a bundle until it carries <paramref name="anchors"/> anchors (of the earliest anchored size that covers it).</summary>
    private static async Task<JsonObject> AnchoredBundleAsync(TestNode node, ulong leaf, int anchors = 1, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var (_, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            if (bundle["anchors"] is JsonArray a && a.Count >= anchors) return bundle;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"leaf {leaf} not anchored {anchors} time(s): {bundle.ToJsonString()}\nhealth: {(await node.HealthAsync()).Body.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    private static Dictionary<string, IAnchorLookup> Rpc(params Chain[] chains) =>
        chains.ToDictionary(c => c.Anvil.ChainId.ToString(CultureInfo.InvariantCulture), c => (IAnchorLookup)new RpcAnchorLookup(c.Anvil.Url));

    /// <summary>What the node's operator publishes (GET /v1/trust gives the same): its key, and per chain the registry, account and log ID.</summary>
    private static TrustFile Trust(string logKey, params Chain[] chains)
    {
        var origin = VerifierKey.Parse(logKey).Name;
        return new TrustFile([new TrustedLog(origin, [logKey], [.. chains.Select(c => new TrustedChain(c.Anvil.ChainId.ToString(CultureInfo.InvariantCulture),
            c.Registry.ToLowerInvariant(), DevAccounts.Address0.ToLowerInvariant(), LogId.Hex(DevAccounts.Address0, origin)))])], [], []);
    }

    private static async Task<VerificationReport> VerifyAsync(JsonObject bundle, string logKey, params Chain[] chains) =>
        await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = Trust(logKey, chains), Chains = Rpc(chains) });

    private static void AssertAllPassed(VerificationReport report) =>
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")) + "\n" + report.Verdict);

    [Fact]
    public async Task Submitted_records_are_anchored_and_anchor_verify_passes_every_check()
    {
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/one", chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 5);

        var bundle = await AnchoredBundleAsync(node, leaves[2]);
        var nodeInfo = (await node.GetAsync("/v1/node")).Body;
        var logKey = nodeInfo["logKey"]!.GetValue<string>();
        Assert.Equal(chain.Registry, nodeInfo["chains"]![0]!["registry"]!.GetValue<string>());
        Assert.Equal(DevAccounts.Address0.ToLowerInvariant(), nodeInfo["chains"]![0]!["operator"]!.GetValue<string>());
        Assert.Equal(LogId.Hex(DevAccounts.Address0, "anchoring.test/one"), nodeInfo["chains"]![0]!["logId"]!.GetValue<string>());
        var anchor = bundle["anchors"]![0]!;
        Assert.Equal(bundle["treeSize"]!.GetValue<string>(), anchor["treeSize"]!.GetValue<string>());
        Assert.Equal(LogId.Hex(DevAccounts.Address0, "anchoring.test/one"), anchor["logId"]!.GetValue<string>());

        // The real CLI: `anchor verify BUNDLE --trust FILE --rpc 31337=URL`, the trust file being what the node publishes, exits 0.
        var file = Path.Combine(_state, "bundle.json");
        await File.WriteAllTextAsync(file, bundle.ToJsonString());
        var trustFile = Path.Combine(_state, "trust.json");
        var (_, trustJson) = await node.GetAsync("/v1/trust");
        Assert.Equal(Trust(logKey, chain).ToJson().ToJsonString(), trustJson.ToJsonString());
        await File.WriteAllTextAsync(trustFile, trustJson.ToJsonString());
        var (exit, output, error) = await CliAsync("verify", file, "--trust", trustFile, "--rpc", $"31337={anvil.Url}");
        Assert.True(exit == 0, output + error);
        var lines = output.Split('\n');
        // Check lines come first, then a blank line, the summary (who, what, when, where, trusted roots) and the verdict.
        var checkLines = lines.TakeWhile(l => l.Length > 0).ToList();
        Assert.True(checkLines.Count >= 12, output);
        // Every check passed; the one "–" line is the fact that the key has no certificate.
        Assert.All(checkLines.Where(l => !l.StartsWith("– provider identity: key not certified", StringComparison.Ordinal)), l => Assert.StartsWith("✓", l));
        Assert.Contains(checkLines, l => l.StartsWith("✓ anchor chain 31337 operator: ", StringComparison.Ordinal));
        Assert.Contains(checkLines, l => l.StartsWith("✓ anchor chain 31337 key commitment: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("verdict: VALID: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("block time", StringComparison.Ordinal));
        Assert.StartsWith("verdict: VALID: ", lines.Last(l => l.Length > 0));

        var anchors = (await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray();
        Assert.Contains(anchors, a => a!["state"]!.GetValue<string>() == "confirmed" && a["txHash"]!.GetValue<string>() == anchor["txHash"]!.GetValue<string>());
        // Once the log stops growing, the chain catches up: no entry is left unanchored.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode health;
        while ((health = (await node.HealthAsync()).Body["chains"]![0]!)["lagEntries"]!.GetValue<string>() != "0" && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal("ok", health["state"]!.GetValue<string>());
        Assert.Equal("0", health["lagEntries"]!.GetValue<string>());
        Assert.Equal("6", health["lastAnchoredSize"]!.GetValue<string>()); // The key registration and five records.
        Assert.Equal(0.0, health["lagSeconds"]!.GetValue<double>()); // Nothing waits: the lag is 0, not the age of the last anchor.

        await EveryFieldMutationFailsOnTheRightCheck(bundle, logKey, chain);
    }

    /// <summary>Which checks a changed field must trip, by the field's place in the bundle.</summary>
    private static string[] ChecksFor(string path) => path switch
    {
        "/entry/keyEntry" => ["key registration", "leaf hash"],
        _ when path.StartsWith("/entry/", StringComparison.Ordinal) => ["leaf hash", "provider signature"],
        _ when path.StartsWith("/keyEntry/", StringComparison.Ordinal) => ["key registration"],
        "/leafHash" => ["leaf hash"],
        "/leafIndex" or "/treeSize" => ["inclusion proof", "checkpoint matches proof", "anchor chain 31337 names this tree"],
        _ when path.StartsWith("/inclusion/", StringComparison.Ordinal) => ["inclusion proof", "checkpoint matches proof"],
        "/checkpoint" => ["checkpoint signature", "checkpoint matches proof"],
        _ when path.StartsWith("/providerKey/", StringComparison.Ordinal) => ["key registration"],
        _ when path.StartsWith("/anchors/", StringComparison.Ordinal) => ["anchor chain"],
        _ => [],
    };

    private static async Task EveryFieldMutationFailsOnTheRightCheck(JsonObject bundle, string logKey, Chain chain)
    {
        var leaves = BundleMutations.StringLeaves(bundle).Where(l => l.Path is not ("/format" or "/logKey")).ToList();
        Assert.True(leaves.Count > 25, "too few fields to mutate");
        foreach (var (path, value) in leaves)
        {
            var mutated = BundleMutations.With(bundle, path);
            ProofBundle parsed;
            try { parsed = ProofBundle.FromJson(mutated); }
            catch (AnchorException) { continue; } // Refused outright: caught.
            var options = new VerifyOptions { Trust = Trust(logKey, chain), Chains = Rpc(chain) };
            if (path == "/anchors/0/chainId") options = options with { Chains = new Dictionary<string, IAnchorLookup> { [parsed.Anchors[0].ChainId] = new RpcAnchorLookup(chain.Anvil.Url) } };
            var report = await BundleVerifier.VerifyAsync(parsed, options);
            var failed = report.Checks.Where(c => c.Status == CheckStatus.Fail).Select(c => c.Name).ToList();
            Assert.True(failed.Count > 0, $"changing {path} ('{value}') went unnoticed");
            var expected = ChecksFor(path);
            Assert.True(expected.Length == 0 || failed.Any(f => expected.Any(e => f.StartsWith(e, StringComparison.Ordinal))),
                $"changing {path} failed {string.Join(", ", failed)}, expected one of {string.Join(", ", expected)}");
        }
    }

    [Fact]
    public async Task A_reorg_that_drops_the_anchor_is_marked_orphaned_and_anchored_again()
    {
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/reorg", chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 3);
        var first = await AnchoredBundleAsync(node, leaves[0]);
        var firstTx = first["anchors"]![0]!["txHash"]!.GetValue<string>();
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        // Drop the anchoring block (and the ones after it) from the canonical chain.
        var depth = await anvil.BlockNumberAsync() - ulong.Parse(first["anchors"]![0]!["blockNumber"]!.GetValue<string>(), CultureInfo.InvariantCulture) + 1;
        await anvil.RpcAsync("anvil_reorg", depth, Array.Empty<object>());
        Assert.True((await VerifyAsync(first, logKey, chain)).AnyFailed, "the old bundle still verified after its anchor was reorged away");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject again;
        while (true)
        {
            again = (await node.GetAsync($"/v1/proofs/{leaves[0]}")).Body;
            if (again["anchors"] is JsonArray { Count: > 0 } a && a[0]!["txHash"]!.GetValue<string>() != firstTx) break;
            if (DateTime.UtcNow > deadline) Assert.Fail("not re-anchored: " + again.ToJsonString());
            await Task.Delay(250);
        }
        var anchors = (await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray();
        Assert.Contains(anchors, a => a!["txHash"]!.GetValue<string>() == firstTx && a["state"]!.GetValue<string>() == "orphaned");
        AssertAllPassed(await VerifyAsync(again, logKey, chain));
    }

    [Fact]
    public async Task An_anchor_found_on_chain_without_a_record_is_adopted_only_after_the_configured_confirmations()
    {
        // A node sent an anchor and stopped before recording it: its checkpoint is kept and the size is on chain.
        const string origin = "anchoring.test/adopt";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        ulong size;
        string firstKey;
        using (var provider = new TestProvider("acme"))
        {
            await using var first = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node")));
            firstKey = (await first.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
            await provider.RegisterAsync(first);
            size = 1 + (ulong)(await SubmitAsync(first, provider, 3)).Count; // The key registration and the records.
        }
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new Anchor.Storage.LogStore(connection, origin);
        var head = await store.ReadHeadAsync();
        Assert.Equal(size, head.Size);
        await store.KeepCheckpointAsync(head.Size, head.Checkpoint!);
        using (var client = await AnchorRegistryClient.ConnectAsync(new ChainTarget("sent", anvil.Url, anvil.ChainId, chain.Registry), DevAccounts.Key0))
        {
            await client.RegisterLogAsync(origin, RegistryLog.KeyCommitment(firstKey));
            await client.WaitForMinedAsync(await client.SubmitAnchorAsync(client.OwnLogId(origin), head.Size, head.Root));
        }

        // The next node, told to wait for 3 confirmations, finds it with 1: recorded (pending, re-checked), not final yet.
        await using var node = await TestNode.StartAsync([.. NodeArgs(origin, chain), "--Anchor:Chains:0:Confirmations=3"]);
        await Task.Delay(TimeSpan.FromSeconds(5)); // Several anchoring rounds (one a second).
        Assert.All((await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray(), a => Assert.Equal("pending", a!["state"]!.GetValue<string>()));
        Assert.Empty((await node.GetAsync("/v1/proofs/1")).Body["anchors"]!.AsArray());

        await anvil.MineAsync();
        await anvil.MineAsync();
        var bundle = await AnchoredBundleAsync(node, 1);
        Assert.Equal(size.ToString(CultureInfo.InvariantCulture), bundle["treeSize"]!.GetValue<string>());
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        AssertAllPassed(await VerifyAsync(bundle, logKey, chain));
    }

    [Fact]
    public async Task While_the_chain_is_down_the_ledger_accepts_evidence_and_anchoring_resumes_after()
    {
        await using var anvil = await Anvil.StartAsync(31337);
        await using var proxy = new TcpProxy(anvil.Port);
        proxy.Start();
        var chain = await DeployAsync(anvil, proxy.Url);
        await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/outage", chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 2);
        await AnchoredBundleAsync(node, leaves[^1]);

        proxy.Stop();
        var down = DateTime.UtcNow;
        while (DateTime.UtcNow - down < TimeSpan.FromSeconds(30))
        {
            leaves.AddRange(await SubmitAsync(node, provider, 2)); // Acknowledged while the chain is unreachable.
            await Task.Delay(1000);
        }
        var health = (await node.HealthAsync()).Body;
        Assert.Equal(200, (await node.HealthAsync()).Status);
        Assert.NotEqual("ok", health["chains"]![0]!["state"]!.GetValue<string>());
        Assert.NotEqual("0", health["chains"]![0]!["lagEntries"]!.GetValue<string>());
        // The lag is the age of the oldest entry no final anchor covers: the first one acknowledged after the chain went down.
        var lag = health["chains"]![0]!["lagSeconds"]!.GetValue<double>();
        var oldestWaiting = (DateTime.UtcNow - down).TotalSeconds;
        Assert.True(lag > 20 && lag <= oldestWaiting + 2, $"lag {lag} s, the oldest waiting entry is {oldestWaiting:F1} s old");
        var metrics = await node.Operator.GetStringAsync("/metrics");
        Assert.Matches(@"anchor_anchoring_lag_seconds\{[^}]*chain=""chain31337""[^}]*\} [2-9]\d", metrics);
        Assert.Contains("# HELP anchor_anchoring_lag_seconds Age of the oldest entry not yet covered by a final anchor, per chain; 0 when no entry waits", metrics);

        proxy.Start();
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var last = await AnchoredBundleAsync(node, leaves[^1]);
        Assert.Equal(((ulong)leaves.Count + 1).ToString(CultureInfo.InvariantCulture), last["treeSize"]!.GetValue<string>()); // One anchor covers the backlog (and the key registration, entry 0).
        foreach (var leaf in leaves)
        {
            var bundle = (await node.GetAsync($"/v1/proofs/{leaf}")).Body;
            Assert.NotEmpty(bundle["anchors"]!.AsArray());
            AssertAllPassed(await VerifyAsync(bundle, logKey, chain));
        }
    }

    [Fact]
    public async Task Two_chains_both_anchor_and_both_anchors_verify()
    {
        await using var anvilA = await Anvil.StartAsync(31337);
        await using var anvilB = await Anvil.StartAsync(31338);
        var a = await DeployAsync(anvilA);
        var b = await DeployAsync(anvilB);
        await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/two", a, b));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 4);
        var bundle = await AnchoredBundleAsync(node, leaves[1], anchors: 2);
        var chainIds = bundle["anchors"]!.AsArray().Select(x => x!["chainId"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(["31337", "31338"], chainIds);
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var report = await VerifyAsync(bundle, logKey, a, b);
        AssertAllPassed(report);
        Assert.Equal(2, report.Checks.Count(c => c.Name.EndsWith("block time", StringComparison.Ordinal)));
    }

    private static Task<(int Exit, string Output, string Error)> CliAsync(params string[] args) => Anchor.Core.Tests.Cli.CliRunner.Run(args);

    /// <summary>GET /v1/trust saved as a file: what a verifier takes from the operator's publication.</summary>
    private async Task<string> SaveTrustAsync(TestNode node, string name)
    {
        var path = Path.Combine(_state, name);
        await File.WriteAllTextAsync(path, (await node.GetAsync("/v1/trust")).Body.ToJsonString());
        return path;
    }

    /// <summary>Starts a node without chains once, so its log key exists (and is known) before anything is registered.</summary>
    private async Task<string> LogKeyAsync(string origin)
    {
        await using var first = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node")));
        return (await first.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
    }

    /// <summary>
    /// Another account registers the node's origin first, with the node's own key commitment. The node still registers
    /// its own log ID and anchors under it; its bundles verify against its trust file; the squatter cannot anchor into
    /// the node's log ID; and the audit, pinned to the trusted operator, accepts the node's anchors and refuses a trust
    /// file that names the squatter.
    /// </summary>
    [Fact]
    public async Task A_squatter_who_registers_the_origin_first_takes_nothing_from_the_node()
    {
        const string origin = "anchoring.test/squat";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        var logKey = await LogKeyAsync(origin);
        using var squatter = await AnchorRegistryClient.ConnectAsync(new ChainTarget("squatter", anvil.Url, anvil.ChainId, chain.Registry) { Confirmations = 1, Finality = FinalityRule.Confirmations }, DevAccounts.Key1);
        await squatter.RegisterLogAsync(origin, RegistryLog.KeyCommitment(logKey));
        var squatted = squatter.OwnLogId(origin);

        await using var node = await TestNode.StartAsync(NodeArgs(origin, chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 3);
        var bundle = await AnchoredBundleAsync(node, leaves[1]);
        var own = LogId.Hex(DevAccounts.Address0, origin);
        Assert.Equal(own, bundle["anchors"]![0]!["logId"]!.GetValue<string>());
        Assert.NotEqual(own, "0x" + Convert.ToHexStringLower(squatted));
        AssertAllPassed(await VerifyAsync(bundle, logKey, chain));

        var ownId = LogId.For(DevAccounts.Address0, origin);
        var refused = await Assert.ThrowsAsync<RegistryRevertedException>(() => squatter.AnchorAsync(ownId, 1000, new byte[32].Select(_ => (byte)7).ToArray()));
        Assert.Equal("NotOperator", refused.ErrorName);
        Assert.Equal(DevAccounts.Address0, await squatter.OperatorOfAsync(ownId), ignoreCase: true);

        // The audit checks anchors against the operator the trust file names, never against the stored records.
        var trust = await SaveTrustAsync(node, "trust.json");
        var rpc = $"31337={anvil.Url}";
        string[] audit = ["audit", "--redis", redis.Connection, "--origin", origin, "--rpc", rpc, "--json"];
        var (exit, output, error) = await CliAsync([.. audit, "--trust", trust]);
        Assert.True(exit == 0, output + error);
        Assert.Empty(JsonNode.Parse(output)!["uncheckedChains"]!.AsArray());

        var trusted = TrustFile.FromJson(JsonNode.Parse(await File.ReadAllTextAsync(trust)));
        var listed = trusted.Logs[0].Chains[0];
        async Task<string[]> AuditProblemsAsync(TrustedChain chain, string name)
        {
            var path = Path.Combine(_state, name);
            await File.WriteAllTextAsync(path, new TrustFile([trusted.Logs[0] with { Chains = [chain] }], [], []).ToJson().ToJsonString());
            var (code, json, stderr) = await CliAsync([.. audit, "--trust", path]);
            Assert.True(code == 1, json + stderr);
            return [.. JsonNode.Parse(json)!["findings"]!.AsArray().Select(f => f!["problem"]!.GetValue<string>())];
        }
        // The squatter as operator of the node's log ID: the operator check on chain fails.
        var problems = await AuditProblemsAsync(listed with { Operator = DevAccounts.Address1.ToLowerInvariant() }, "squatter-operator.json");
        Assert.Contains(problems, p => p.StartsWith("anchor chain 31337 operator: ", StringComparison.Ordinal));
        // The squatter's own log: the node's records are under another log ID.
        problems = await AuditProblemsAsync(listed with { Operator = DevAccounts.Address1.ToLowerInvariant(), LogId = "0x" + Convert.ToHexStringLower(squatted) }, "squatter-log.json");
        Assert.Contains(problems, p => p.Contains("is not the trusted log ID", StringComparison.Ordinal));

        // Without a trust file the chain cannot be pinned: --rpc alone is refused.
        (exit, _, error) = await CliAsync("audit", "--redis", redis.Connection, "--origin", origin, "--rpc", rpc);
        Assert.Equal(1, exit);
        Assert.Contains("--rpc needs --trust", error, StringComparison.Ordinal);
    }

    /// <summary>The node's own log ID already holds the commitment to another log key: it stops anchoring there and says why.</summary>
    [Fact]
    public async Task A_log_id_registered_with_another_key_commitment_stops_anchoring_with_a_clear_error()
    {
        const string origin = "anchoring.test/other-key";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        using var otherKey = NoteSigner.Generate(origin);
        using (var client = await AnchorRegistryClient.ConnectAsync(new ChainTarget("earlier", anvil.Url, anvil.ChainId, chain.Registry), DevAccounts.Key0))
            await client.RegisterLogAsync(origin, RegistryLog.KeyCommitment(otherKey.VerifierKey.ToString()));

        await using var node = await TestNode.StartAsync(NodeArgs(origin, chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        await SubmitAsync(node, provider, 2);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode health;
        while ((health = (await node.HealthAsync()).Body["chains"]![0]!)["lastError"] is null && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal("error", health["state"]!.GetValue<string>());
        var message = health["lastError"]!.GetValue<string>();
        Assert.Contains($"log ID {LogId.Hex(DevAccounts.Address0, origin)}", message, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(RegistryLog.KeyCommitment(otherKey.VerifierKey.ToString())), message, StringComparison.Ordinal);
        Assert.Contains("anchoring on this chain is stopped", message, StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(3)); // several more rounds
        Assert.Empty((await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray());
        using var reader = await AnchorRegistryClient.ConnectAsync(new ChainTarget("reader", anvil.Url, anvil.ChainId, chain.Registry));
        Assert.Equal(0UL, (await reader.LatestAsync(LogId.For(DevAccounts.Address0, origin))).TreeSize);
    }

    /// <summary>
    /// A fully forged bundle: the forger's own log key for the real origin (the checkpoint re-signed), its own registry
    /// and its own anchor of the real root. The real CLI refuses it with the node's trust file (exit 1), and without a
    /// trust root it is not verifiable (exit 3), also when exploring with --allow-untrusted.
    /// </summary>
    [Fact]
    public async Task A_forged_bundle_with_its_own_key_registry_and_anchor_never_verifies()
    {
        const string origin = "anchoring.test/forged";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        await using var node = await TestNode.StartAsync(NodeArgs(origin, chain));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await SubmitAsync(node, provider, 3);
        var genuine = ProofBundle.FromJson(await AnchoredBundleAsync(node, leaves[0]));

        using var forgerKey = NoteSigner.Generate(origin);
        var note = genuine.Checkpoint;
        var checkpoint = Checkpoint.ParseBody(note[..(note.IndexOf("\n\n", StringComparison.Ordinal) + 1)]);
        using var deployer = await AnchorRegistryClient.ConnectAsync(new ChainTarget("forger", anvil.Url, anvil.ChainId), DevAccounts.Key2);
        var registry = (await deployer.DeployAsync()).ContractAddress!;
        using var forger = await AnchorRegistryClient.ConnectAsync(new ChainTarget("forger", anvil.Url, anvil.ChainId, registry) { Confirmations = 1, Finality = FinalityRule.Confirmations }, DevAccounts.Key2);
        await forger.RegisterLogAsync(origin, RegistryLog.KeyCommitment(forgerKey.VerifierKey.ToString()));
        var mined = await forger.AnchorAsync(forger.OwnLogId(origin), checkpoint.Size, checkpoint.Root);
        var r = await forger.LookupTransactionAsync(mined.Hash);
        var forgedAnchor = new ChainAnchor(r.ChainId.ToString(CultureInfo.InvariantCulture), r.Registry, r.LogId, r.TreeSize.ToString(CultureInfo.InvariantCulture),
            r.Root, r.TxHash, r.BlockNumber.ToString(CultureInfo.InvariantCulture), r.BlockHash, Times.ToText(r.BlockTime));
        var forged = genuine with { Checkpoint = forgerKey.Sign(checkpoint), LogKey = forgerKey.VerifierKey.ToString(), Anchors = [forgedAnchor] };
        var file = Path.Combine(_state, "forged.json");
        await File.WriteAllTextAsync(file, forged.ToJson().ToJsonString());
        var rpc = $"31337={anvil.Url}";

        // Consistent with itself: exploring it, every chain fact holds, yet the verdict is UNTRUSTED and the exit code 3.
        var (exit, output, _) = await CliAsync("verify", file, "--rpc", rpc, "--allow-untrusted");
        Assert.True(exit == 3, output);
        Assert.Contains("verdict: UNTRUSTED", output, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", output, StringComparison.Ordinal);

        (exit, output, _) = await CliAsync("verify", file, "--rpc", rpc);
        Assert.True(exit == 3, output);
        Assert.Contains("verdict: UNVERIFIED", output, StringComparison.Ordinal);

        var trust = await SaveTrustAsync(node, "trust.json");
        (exit, output, _) = await CliAsync("verify", file, "--trust", trust, "--rpc", rpc);
        Assert.True(exit == 1, output);
        Assert.Contains("✗ checkpoint signature", output, StringComparison.Ordinal);
        Assert.Contains($"✗ anchor chain 31337 registry: registry {registry.ToLowerInvariant()}", output.ToLowerInvariant(), StringComparison.Ordinal);
        Assert.Contains("verdict: INVALID", output, StringComparison.Ordinal);

        // The genuine bundle, for contrast, passes with the same trust file.
        var genuineFile = Path.Combine(_state, "genuine.json");
        await File.WriteAllTextAsync(genuineFile, genuine.ToJson().ToJsonString());
        (exit, output, _) = await CliAsync("verify", genuineFile, "--trust", trust, "--rpc", rpc);
        Assert.True(exit == 0, output);
    }

    /// <summary>The five-minute tour with the real CLI: keygen, admin provider add, submit --wait anchor, proof, verify.</summary>
    [Fact]
    public async Task The_cli_registers_submits_waits_for_the_anchor_fetches_and_verifies()
    {
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/cli", chain));
        var url = node.Http.BaseAddress!.ToString();
        var tokenFile = Path.Combine(_state, "node", NodeState.AdminTokenFile);
        var key = Path.Combine(_state, "acme.key");
        var doc = Path.Combine(_state, "contract.pdf");
        await File.WriteAllTextAsync(doc, "合同 2026-001: the parties agree.");

        Assert.Equal(0, (await CliAsync("keygen", "--alg", "ecdsa-p256-sha256", "--out", key)).Exit);
        var (added, addOut, addErr) = await CliAsync("admin", "provider", "add", "--node", url, "--admin-token-file", tokenFile,
            "--id", "acme", "--name", "ACME e-contracts", "--key", key, "--json");
        Assert.True(added == 0, addOut + addErr);
        var readToken = JsonNode.Parse(addOut)!["readToken"]!.GetValue<string>();

        var bundleFile = Path.Combine(_state, "submitted.json");
        var (submitted, submitOut, submitErr) = await CliAsync("submit", "--node", url, "--key", key, "--provider", "acme",
            "--file", doc, "--contract", "合同-2026-001", "--kind", "contract.document", "--wait", "anchor", "-o", bundleFile, "--timeout", "60",
            "--token", readToken);
        Assert.True(submitted == 0, submitOut + submitErr);
        Assert.Contains("anchored on chain 31337", submitErr);
        Assert.NotEmpty(JsonNode.Parse(await File.ReadAllTextAsync(bundleFile))!["anchors"]!.AsArray());

        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var trustFile = Path.Combine(_state, "cli-trust.json");
        Assert.Equal(0, (await CliAsync("trust", "export", "--node", url, "-o", trustFile)).Exit);
        var (verified, verifyOut, _) = await CliAsync("verify", bundleFile, "--file", doc, "--trust", trustFile, "--rpc", $"31337={anvil.Url}");
        Assert.True(verified == 0, verifyOut);
        // A log key alone trusts no registry: the anchored bundle is not valid under it.
        var (keyOnly, keyOnlyOut, _) = await CliAsync("verify", bundleFile, "--file", doc, "--log-key", logKey, "--rpc", $"31337={anvil.Url}");
        Assert.True(keyOnly == 1 && keyOnlyOut.Contains("✗ anchor chain 31337 registry", StringComparison.Ordinal), keyOnlyOut);

        var byFile = Path.Combine(_state, "by-file");
        Assert.Equal(0, (await CliAsync("proof", "--node", url, "--file", doc, "--token", readToken, "-o", byFile)).Exit);
        var byContract = Path.Combine(_state, "by-contract");
        var (fetched, fetchOut, fetchErr) = await CliAsync("proof", "--node", url, "--contract", "合同-2026-001", "--provider", "acme", "--token", readToken, "-o", byContract);
        Assert.True(fetched == 0, fetchOut + fetchErr);
        Assert.Single(Directory.GetFiles(byFile));
        Assert.Equal(Directory.GetFiles(byFile).Select(Path.GetFileName), Directory.GetFiles(byContract).Select(Path.GetFileName));
        var (wrongToken, _, tokenErr) = await CliAsync("proof", "--node", url, "--contract", "合同-2026-001", "--provider", "acme", "--token", "nope", "-o", byContract);
        Assert.Equal(1, wrongToken);
        Assert.Contains("(forbidden, HTTP 403)", tokenErr);

        var (listed, listOut, _) = await CliAsync("admin", "provider", "list", "--node", url, "--admin-token-file", tokenFile);
        Assert.Equal(0, listed);
        Assert.StartsWith("acme\tACME e-contracts\t1 key(s)", listOut);
    }

    /// <summary>
    /// A real revert on chain (the anchor sent with too little gas, as an L2 misestimate would: the fault drill's gas file)
    /// is recorded as failed with its reason, counted in anchor_anchor_tx_failed_total, and anchoring goes on: the entries
    /// are anchored by the next transaction, and the bundles verify.
    /// </summary>
    [Fact]
    public async Task A_reverted_anchor_is_recorded_as_failed_with_its_reason_and_anchoring_goes_on()
    {
        var gasFile = Path.Combine(_state, "anchor-gas");
        await File.WriteAllTextAsync(gasFile, "30000");
        Environment.SetEnvironmentVariable("ANCHOR_FAULT_ANCHOR_GAS_FILE", gasFile);
        try
        {
            await using var anvil = await Anvil.StartAsync(31337);
            var chain = await DeployAsync(anvil);
            await using var node = await TestNode.StartAsync(NodeArgs("anchoring.test/reverted", chain));
            using var provider = new TestProvider("acme");
            await provider.RegisterAsync(node);
            var leaves = await SubmitAsync(node, provider, 3);
            var bundle = await AnchoredBundleAsync(node, leaves[^1]);
            Assert.False(File.Exists(gasFile), "the drill did not fire");

            var anchors = (await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray();
            var failed = Assert.Single(anchors, a => a!["state"]!.GetValue<string>() == "failed")!;
            Assert.StartsWith("OutOfGas: ", failed["detail"]!.GetValue<string>());
            var receipt = await anvil.RpcAsync("eth_getTransactionReceipt", failed["txHash"]!.GetValue<string>());
            Assert.Equal("0x0", receipt.GetProperty("status").GetString()); // Really reverted on chain.
            Assert.NotEqual(failed["txHash"]!.GetValue<string>(), bundle["anchors"]![0]!["txHash"]!.GetValue<string>());
            var metrics = await node.Operator.GetStringAsync("/metrics");
            Assert.Matches(@"anchor_anchor_tx_failed_total\{[^}]*chain=""chain31337""[^}]*reason=""OutOfGas""[^}]*\} [1-9]", metrics);
            var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
            AssertAllPassed(await VerifyAsync(bundle, logKey, chain));
        }
        finally
        {
            Environment.SetEnvironmentVariable("ANCHOR_FAULT_ANCHOR_GAS_FILE", null);
        }
    }

    /// <summary>
    /// A log whose node anchored <paramref name="anchored"/> records (and the key registration) on <paramref name="chain"/>,
    /// then grew by <paramref name="more"/> while its node anchored nowhere; its head's checkpoint is kept, as a seal would.
    /// </summary>
    private async Task<(StackExchange.Redis.ConnectionMultiplexer Connection, Anchor.Storage.LogStore Store, Anchor.Storage.LogHead Head)> GrownPastItsAnchorAsync(
        string origin, Chain chain, int anchored, int more)
    {
        using var provider = new TestProvider("acme");
        await using (var first = await TestNode.StartAsync(NodeArgs(origin, chain)))
        {
            await provider.RegisterAsync(first);
            await AnchoredBundleAsync(first, (await SubmitAsync(first, provider, anchored))[^1]);
        }
        await using (var unanchored = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node"))))
            await SubmitAsync(unanchored, provider, more);
        var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new Anchor.Storage.LogStore(connection, origin);
        var head = await store.ReadHeadAsync();
        await store.KeepCheckpointAsync(head.Size, head.Checkpoint!);
        return (connection, store, head);
    }

    /// <summary>
    /// SizeNotIncreasing because a larger anchor of this log got there first (a second sender with the key; our transaction
    /// mined after it): the node records its own as failed with the decoded error and adopts the larger anchor, whose root
    /// is the log's, so bundles name it.
    /// </summary>
    [Fact]
    public async Task SizeNotIncreasing_after_a_larger_anchor_of_ours_adopts_that_anchor()
    {
        const string origin = "anchoring.test/size-not-increasing";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        var chainName = $"chain{anvil.ChainId}";
        var grown = await GrownPastItsAnchorAsync(origin, chain, anchored: 2, more: 4);
        using var connection = grown.Connection;
        var (store, head) = (grown.Store, grown.Head);
        var smaller = head.Size - 2;

        // Our transaction (the smaller size) was recorded and sent; the larger anchor of the same log was mined before it.
        SentTransaction ours, larger;
        using (var sender = await AnchorRegistryClient.ConnectAsync(new ChainTarget("race", anvil.Url, anvil.ChainId, chain.Registry) { Finality = FinalityRule.Confirmations }, DevAccounts.Key0))
        {
            var logId = sender.OwnLogId(origin);
            await anvil.RpcAsync("evm_setAutomine", false);
            larger = await sender.SubmitAnchorAsync(logId, head.Size, head.Root);
            ours = await TestChains.SignRawAsync(anvil, chain.Registry, larger.Nonce + 1, TestChains.AnchorCall(logId, smaller, await store.ReadRootAtAsync(smaller)));
            await sender.BroadcastAsync(ours);
            await anvil.MineAsync();
            await anvil.RpcAsync("evm_setAutomine", true);
        }
        var anchors = new Anchor.Storage.AnchorStore(connection, origin);
        var pending = new Anchor.Grains.Anchoring.PendingAnchor(Anchor.Grains.Anchoring.StoredAnchor.NewId(smaller), smaller, Anchor.Core.Hex.Encode(await store.ReadRootAtAsync(smaller)), ours);
        await anchors.SavePendingAsync(chainName, pending.ToJson());

        await using var node = await TestNode.StartAsync(NodeArgs(origin, chain));
        var bundle = await AnchoredBundleAsync(node, head.Size - 1);
        Assert.Equal(larger.Hash, bundle["anchors"]![0]!["txHash"]!.GetValue<string>());
        Assert.Equal(head.Size.ToString(CultureInfo.InvariantCulture), bundle["treeSize"]!.GetValue<string>());
        var list = (await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray();
        var failed = Assert.Single(list, a => a!["state"]!.GetValue<string>() == "failed")!;
        Assert.Equal(ours.Hash, failed["txHash"]!.GetValue<string>());
        Assert.StartsWith($"SizeNotIncreasing: SizeNotIncreasing(last={head.Size}, given={smaller})", failed["detail"]!.GetValue<string>());
        Assert.Contains(list, a => a!["state"]!.GetValue<string>() == "confirmed" && a["txHash"]!.GetValue<string>() == larger.Hash);
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        AssertAllPassed(await VerifyAsync(bundle, logKey, chain));
    }

    /// <summary>
    /// The anchor transaction is recorded (signed bytes and hash) before it is sent. A node that crashed between the two
    /// leaves a record of a transaction no endpoint has seen: the next node sends those bytes, and the anchor is mined
    /// under the recorded hash, never signed twice.
    /// </summary>
    [Fact]
    public async Task A_transaction_recorded_but_never_sent_is_sent_from_its_record_after_a_restart()
    {
        const string origin = "anchoring.test/record-then-send";
        await using var anvil = await Anvil.StartAsync(31337);
        var chain = await DeployAsync(anvil);
        var chainName = $"chain{anvil.ChainId}";
        var grown = await GrownPastItsAnchorAsync(origin, chain, anchored: 1, more: 3);
        using var connection = grown.Connection;
        var head = grown.Head;
        SentTransaction signed;
        using (var client = await AnchorRegistryClient.ConnectAsync(new ChainTarget("crashed", anvil.Url, anvil.ChainId, chain.Registry), DevAccounts.Key0))
            signed = await client.PrepareAnchorAsync(client.OwnLogId(origin), head.Size, head.Root);
        var pending = new Anchor.Grains.Anchoring.PendingAnchor(Anchor.Grains.Anchoring.StoredAnchor.NewId(head.Size), head.Size, head.RootHex, signed);
        await new Anchor.Storage.AnchorStore(connection, origin).SavePendingAsync(chainName, pending.ToJson());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await anvil.RpcAsync("eth_getTransactionByHash", signed.Hash)).ValueKind);

        await using var node = await TestNode.StartAsync(NodeArgs(origin, chain));
        var bundle = await AnchoredBundleAsync(node, head.Size - 1);
        Assert.Equal(signed.Hash, bundle["anchors"]![0]!["txHash"]!.GetValue<string>());
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        AssertAllPassed(await VerifyAsync(bundle, logKey, chain));
    }
}
