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
                Assert.Fail($"leaf {leaf} not anchored {anchors} time(s): {bundle.ToJsonString()}\nhealth: {(await node.GetAsync("/healthz")).Body.ToJsonString()}");
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
            c.Registry.ToLowerInvariant(), AccountKey.AddressOf(DevAccounts.Key0).ToLowerInvariant(), LogId.Hex(origin)))])], [], []);
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
        var anchor = bundle["anchors"]![0]!;
        Assert.Equal(bundle["treeSize"]!.GetValue<string>(), anchor["treeSize"]!.GetValue<string>());

        // The real CLI: `anchor verify BUNDLE --log-key VKEY --rpc 31337=URL` prints only ✓ lines and exits 0.
        var file = Path.Combine(_state, "bundle.json");
        await File.WriteAllTextAsync(file, bundle.ToJsonString());
        var trustFile = Path.Combine(_state, "trust.json");
        var (_, trustJson) = await node.GetAsync("/v1/trust");
        Assert.Equal(Trust(logKey, chain).ToJson().ToJsonString(), trustJson.ToJsonString());
        await File.WriteAllTextAsync(trustFile, trustJson.ToJsonString());
        var (exit, output, error) = await CliAsync("verify", file, "--trust", trustFile, "--rpc", $"31337={anvil.Url}");
        Assert.True(exit == 0, output + error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines.Where(l => !l.StartsWith("verdict", StringComparison.Ordinal)), l => Assert.StartsWith("✓", l));
        Assert.Contains(lines, l => l.Contains("block time", StringComparison.Ordinal));
        Assert.StartsWith("verdict: VALID: ", lines[^1]);

        var anchors = (await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray();
        Assert.Contains(anchors, a => a!["state"]!.GetValue<string>() == "confirmed" && a["txHash"]!.GetValue<string>() == anchor["txHash"]!.GetValue<string>());
        // Once the log stops growing, the chain catches up: no entry is left unanchored.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JsonNode health;
        while ((health = (await node.GetAsync("/healthz")).Body["chains"]![0]!)["lagEntries"]!.GetValue<string>() != "0" && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        Assert.Equal("ok", health["state"]!.GetValue<string>());
        Assert.Equal("0", health["lagEntries"]!.GetValue<string>());
        Assert.Equal("5", health["lastAnchoredSize"]!.GetValue<string>());

        await EveryFieldMutationFailsOnTheRightCheck(bundle, logKey, chain);
    }

    /// <summary>Which checks a changed field must trip, by the field's place in the bundle.</summary>
    private static string[] ChecksFor(string path) => path switch
    {
        _ when path.StartsWith("/entry/", StringComparison.Ordinal) => ["leaf hash", "provider signature"],
        "/leafHash" => ["leaf hash"],
        "/leafIndex" or "/treeSize" => ["inclusion proof", "checkpoint matches proof", "anchor chain 31337 names this tree"],
        _ when path.StartsWith("/inclusion/", StringComparison.Ordinal) => ["inclusion proof", "checkpoint matches proof"],
        "/checkpoint" => ["checkpoint signature", "checkpoint matches proof"],
        _ when path.StartsWith("/providerKey/", StringComparison.Ordinal) => ["provider signature"],
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
        using (var provider = new TestProvider("acme"))
        {
            await using var first = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node")));
            await provider.RegisterAsync(first);
            size = (ulong)(await SubmitAsync(first, provider, 3)).Count;
        }
        using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new Anchor.Storage.LogStore(connection, origin);
        var head = await store.ReadHeadAsync();
        Assert.Equal(size, head.Size);
        await store.KeepCheckpointAsync(head.Size, head.Checkpoint!);
        using (var client = await AnchorRegistryClient.ConnectAsync(new ChainTarget("sent", anvil.Url, anvil.ChainId, chain.Registry), DevAccounts.Key0))
        {
            await client.RegisterLogAsync(origin);
            await client.WaitForMinedAsync(await client.SubmitAnchorAsync(LogId.For(origin), head.Size, head.Root));
        }

        // The next node, told to wait for 3 confirmations, finds it with 1: not an anchor yet.
        await using var node = await TestNode.StartAsync([.. NodeArgs(origin, chain), "--Anchor:Chains:0:Confirmations=3"]);
        await Task.Delay(TimeSpan.FromSeconds(5)); // Several anchoring rounds (one a second).
        Assert.Empty((await node.GetAsync("/v1/anchors")).Body["anchors"]!.AsArray());
        Assert.Empty((await node.GetAsync("/v1/proofs/0")).Body["anchors"]!.AsArray());

        await anvil.MineAsync();
        await anvil.MineAsync();
        var bundle = await AnchoredBundleAsync(node, 0);
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
        var health = (await node.GetAsync("/healthz")).Body;
        Assert.Equal(200, (await node.GetAsync("/healthz")).Status);
        Assert.NotEqual("ok", health["chains"]![0]!["state"]!.GetValue<string>());
        Assert.NotEqual("0", health["chains"]![0]!["lagEntries"]!.GetValue<string>());

        proxy.Start();
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var last = await AnchoredBundleAsync(node, leaves[^1]);
        Assert.Equal(((ulong)leaves.Count).ToString(CultureInfo.InvariantCulture), last["treeSize"]!.GetValue<string>()); // One anchor covers the backlog.
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
            "--file", doc, "--contract", "合同-2026-001", "--kind", "contract.document", "--wait", "anchor", "-o", bundleFile, "--timeout", "60");
        Assert.True(submitted == 0, submitOut + submitErr);
        Assert.Contains("anchored on chain 31337", submitErr);
        Assert.NotEmpty(JsonNode.Parse(await File.ReadAllTextAsync(bundleFile))!["anchors"]!.AsArray());

        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var (verified, verifyOut, _) = await CliAsync("verify", bundleFile, "--file", doc, "--log-key", logKey, "--rpc", $"31337={anvil.Url}");
        Assert.True(verified == 0, verifyOut);

        var byFile = Path.Combine(_state, "by-file");
        Assert.Equal(0, (await CliAsync("proof", "--node", url, "--file", doc, "-o", byFile)).Exit);
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
}
