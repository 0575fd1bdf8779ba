using System.Diagnostics;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// The verification page (the committed build, src/Anchor.Node/wwwroot/verify.html, opened from disk) in Debian's
/// chromium through tests/browser/verify-page.mjs, on bundles sealed through a root log: the genuine ones pass, each
/// forged twin is refused, and for every case the page names the same checks with the same outcomes as Core's verifier.
/// </summary>
public sealed class RootStepPageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-root-page-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task ThePageFollowsTheRootStepAsCoreDoes()
    {
        using var c = new RootStepVerificationTests.Cluster();
        using var forged = new RootLog();
        forged.Append(c.EarlierCheckpoint);
        var memberTree = c.Bundle.Anchors[0] with { TreeSize = c.Bundle.TreeSize, Root = "0x" + Hex.Encode(c.Member.Root()) };
        var trust = c.Trust();
        var cases = new (string Name, ProofBundle Bundle, TrustFile Trust, string Outcome, string? Failed)[]
        {
            ("sealed", c.Bundle, c.Trust(RootLog.DefaultOrigin), "valid", null),
            ("sealed, not anchored", c.Bundle with { Anchors = [] }, trust, "valid", null),
            ("not sealed", c.Unsealed, trust, "valid", null),
            ("another size's step", c.Bundle with { Root = c.Root.Step(c.EarlierLeaf) }, trust, "invalid", "root checkpoint matches proof"),
            ("root under another key", c.Bundle with { Root = forged.Step(forged.Append(c.Bundle.Checkpoint)) }, trust, "invalid", "root checkpoint signature"),
            ("anchor of the member tree", c.Bundle with { Anchors = [memberTree] }, trust, "invalid", "anchor chain 31337 names this tree"),
            ("token over the member checkpoint", c.Bundle with { Timestamps = [TimestampVerificationTests.Stamp(c.Bundle.Checkpoint, c.Tsa.Reply, TsaHashAlg.Sha256, "dev")] }, trust, "invalid", "tsa dev imprint"),
            ("sealedBy another root", c.Bundle, c.Trust("test.anchor/other-root"), "invalid", "root log"),
            ("root log not trusted", c.Bundle, new TrustFile([c.MemberLog()], [], [c.Tsa.RootPem]), "unverified", null),
        };
        var page = Path.Combine(TestData.RepoRoot, "src", "Anchor.Node", "wwwroot", "verify.html");
        var spec = new JsonObject
        {
            ["url"] = new Uri(page).AbsoluteUri,
            ["cases"] = new JsonArray([.. cases.Select(x => (JsonNode)new JsonObject
            {
                ["name"] = x.Name,
                ["bundle"] = x.Bundle.ToJson().ToJsonString(),
                ["trust"] = x.Trust.ToJson().ToJsonString(),
            })]),
        };
        var results = await RunPage(spec);
        Assert.True(results["console"]!.AsArray().Count == 0, "console errors: " + results["console"]!.ToJsonString());
        Assert.Empty(results["foreign"]!.AsArray());

        for (var i = 0; i < cases.Length; i++)
        {
            var (name, bundle, caseTrust, outcome, failed) = cases[i];
            var result = results["results"]![i]!;
            var checks = result["checks"]!.AsArray().Select(x => (Name: x!["name"]!.GetValue<string>(), Status: x["status"]!.GetValue<string>())).ToList();
            var verdict = result["verdict"]!.GetValue<string>();
            Assert.True(outcome == result["outcome"]!.GetValue<string>(), $"{name}: {verdict}\n{result["checks"]!.ToJsonString()}");
            if (failed is not null) Assert.Contains((failed, "fail"), checks);

            var core = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = caseTrust });
            Assert.Equal(core.Outcome.ToString().ToLowerInvariant(), outcome);
            Assert.Equal(core.Checks.Select(x => (x.Name, x.Status.ToString().ToLowerInvariant())), checks);
            // The same verdict wording, and the same trust file fingerprint (the page normalises sealedBy as Core writes it).
            Assert.Equal(core.Verdict[..core.Verdict.IndexOf(':', StringComparison.Ordinal)], verdict["verdict: ".Length..][..(verdict.IndexOf(':', "verdict: ".Length) - "verdict: ".Length)]);
            var summary = result["summary"]!.AsArray().ToDictionary(x => x!["label"]!.GetValue<string>() + (x["label"]!.GetValue<string>() == "when" ? x["text"]!.GetValue<string>() : ""), x => x!["text"]!.GetValue<string>());
            Assert.Equal(core.Summary.Single(l => l.Label == "trusted roots").Text, summary["trusted roots"]);
            if (bundle.Root is not null) Assert.Equal(core.Summary.Single(l => l.Label == "root log").Text, summary["root log"]);
        }
        Assert.Contains($"included in root log '{RootLog.DefaultOrigin}' at leaf 3 of 4 (anchored and time-stamped there)", results["results"]![0]!["verdict"]!.GetValue<string>());
    }

    private async Task<JsonObject> RunPage(JsonObject spec)
    {
        var browserDir = Path.Combine(TestData.RepoRoot, "tests", "browser");
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is not installed (apt-get install chromium; tests/run.sh does)");
        Assert.True(Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")), "run npm ci in tests/browser (tests/run.sh does)");
        var casesFile = Path.Combine(_dir, "cases.json");
        var resultsFile = Path.Combine(_dir, "results.json");
        await File.WriteAllTextAsync(casesFile, spec.ToJsonString());
        var start = new ProcessStartInfo("node") { WorkingDirectory = browserDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "verify-page.mjs", casesFile, resultsFile, Path.Combine(_dir, "page.png") }) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, output);
        return JsonNode.Parse(await File.ReadAllTextAsync(resultsFile))!.AsObject();
    }
}
