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
public sealed class RootLogTests(RedisServer redis) : IDisposable
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
        string registry;
        using (var deployer = await AnchorRegistryClient.ConnectAsync(new ChainTarget("deploy", anvil.Url, anvil.ChainId), DevAccounts.Key0))
            registry = (await deployer.DeployAsync()).ContractAddress!;
        var keyFile = Path.Combine(_state, "chain.key");
        await File.WriteAllTextAsync(keyFile, DevAccounts.Key0 + "\n");
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "root.test/member", Path.Combine(_state, "node"),
        [
            "--Anchor:RootOrigin=root.test/root",
            "--Anchor:Anchoring:IntervalSeconds=1",
            "--Anchor:Chains:0:Name=local", $"--Anchor:Chains:0:RpcUrl={anvil.Url}", "--Anchor:Chains:0:ChainId=31337",
            $"--Anchor:Chains:0:Registry={registry}", $"--Anchor:Chains:0:KeyFile={keyFile}",
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
