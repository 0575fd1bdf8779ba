using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Identity;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Tests.Verification;
using Anchor.Core.Verification;
using Anchor.Node.Api;
using Org.BouncyCastle.Pkcs;
using Xunit.Abstractions;

namespace Anchor.Node.Tests;

/// <summary>
/// The verification page (GET /verify, src/Anchor.Verify.Web) in a real browser: Debian's chromium driven by
/// tests/browser/verify-page.mjs. A node with anvil, the development TSA (OpenSSL, ECDSA) and an SM2 TSA makes genuine bundles for every provider
/// algorithm (and a batch record, and keys certified by a P-256 and an SM2 CA); each passes in the page with the chain checked over the RPC, and
/// every one-character mutation of a bundle fails there, as do a wrong document, an unlisted TSA root and a missing trust
/// file. The page asks no origin but its own and the RPC given. The screenshot is kept (the path is printed).
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class VerifyPageTests(RedisServer redis, ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-verify-page-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public void The_committed_page_is_the_build_of_its_sources()
    {
        var (exit, text) = Run("node", Path.Combine(RepoRoot.Path, "src", "Anchor.Verify.Web"), "build.mjs", "--check");
        Assert.True(exit == 0, text);
    }

    [Fact]
    public async Task Genuine_bundles_of_every_algorithm_pass_in_the_browser_and_every_mutation_fails()
    {
        await using var tsa = await DevTsa.StartAsync(RepoRoot.Path, Path.Combine(_state, "tsa"));
        await using var sm2Tsa = await TestTsaServer.StartAsync(TestTsa.Sm2("SM2 TSA")); // BouncyCastle: SM3withSM2, an SM3 imprint
        await using var anvil = await Anvil.StartAsync(31337);
        var chainArgs = await LocalChain.ArgsAsync(anvil, _state);
        var roots = Directory.CreateDirectory(Path.Combine(_state, "roots")).FullName;
        using var ca = new ProviderCa();
        await File.WriteAllTextAsync(Path.Combine(roots, "ca.pem"), ca.Pem);
        var sm2Ca = (Sm2Ca)TestCa.Root(KeyFamily.Sm2, TestName.Cn("Test SM2 Provider CA"), DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
        await File.WriteAllTextAsync(Path.Combine(roots, "sm2-ca.pem"), Pem(sm2Ca.Der));
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "page.test/log", Path.Combine(_state, "node"),
        [
            "--Anchor:Anchoring:IntervalSeconds=1",
            .. chainArgs,
            "--Anchor:Tsa:0:Name=dev", $"--Anchor:Tsa:0:Url={tsa.Url}", "--Anchor:Tsa:0:HashAlg=sha256", $"--Anchor:Tsa:0:Roots={tsa.RootFile}",
            "--Anchor:Tsa:1:Name=cn", $"--Anchor:Tsa:1:Url={sm2Tsa.Url}", "--Anchor:Tsa:1:HashAlg=sm3", $"--Anchor:Tsa:1:Roots={sm2Tsa.WriteRoot(_state)}",
            $"--Anchor:Trust:ProviderRoots={roots}",
        ]));

        // The page as the node serves it: the committed file, under a policy that runs only its own script and style.
        using var served = await node.Http.GetAsync("/verify");
        var html = await served.Content.ReadAsStringAsync();
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(RepoRoot.Path, "src", "Anchor.Node", "wwwroot", "verify.html")), html);
        var policy = served.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Equal(VerifyPage.Policy(html), policy);
        Assert.StartsWith("default-src 'none'; script-src 'sha256-", policy);
        Assert.Contains("<div id=\"anchor-report\"></div>", html);

        // One genuine record per algorithm, one batch record, one key certified by the trusted CA.
        var document = Encoding.UTF8.GetBytes("合同 contract text, hashed in the browser and never uploaded");
        var records = new List<(string Name, ulong Leaf)>();
        foreach (var alg in SignatureAlgs.All)
        {
            using var provider = new TestProvider(SignatureAlgs.ToWire(alg).Replace('-', '_'), alg);
            await provider.RegisterAsync(node);
            // The document's digest under each evidence hash algorithm in turn: the page recomputes it from the file.
            var hashAlg = HashAlgs[records.Count(r => !r.Name.Contains(' ', StringComparison.Ordinal)) % HashAlgs.Length];
            var evidence = TestProvider.NewEvidence(hash: Hex.Encode(EvidenceDigest.Compute(hashAlg, document))) with { HashAlg = hashAlg };
            var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(evidence));
            Assert.True(status == 200, body.ToJsonString());
            records.Add((SignatureAlgs.ToWire(alg), Leaf(body)));
            if (alg != SignatureAlg.Ed25519) continue;
            var (batchStatus, batch) = await node.PostAsync("/v1/evidence/batch", provider.Batch([TestProvider.NewEvidence("b-0"), TestProvider.NewEvidence("b-1"), TestProvider.NewEvidence("b-2")]));
            Assert.True(batchStatus == 200, batch.ToJsonString());
            records.Add(("ed25519 batch", ulong.Parse(batch["receipts"]![0]!["firstIndex"]!.GetValue<string>(), CultureInfo.InvariantCulture) + 1));
        }
        async Task CertifiedAsync(string name, string provider, SigningKey key, KeyDescriptor descriptor)
        {
            var keyJson = descriptor.ToJson();
            keyJson["keyId"] = "k1";
            keyJson["pop"] = Convert.ToBase64String(key.Sign(Statements.KeyRegistration(provider, "k1", descriptor)));
            var (status, body) = await node.PostAsync("/v1/admin/providers", new JsonObject { ["id"] = provider, ["name"] = provider, ["keys"] = new JsonArray(keyJson) }, node.AdminToken);
            Assert.True(status == 201, body.ToJsonString());
            var evidence = TestProvider.NewEvidence();
            (status, body) = await node.PostAsync("/v1/evidence", new JsonObject
            {
                ["provider"] = provider, ["keyId"] = "k1", ["evidence"] = evidence.ToJson(),
                ["sig"] = Convert.ToBase64String(key.Sign(Statements.Single(provider, "k1", evidence))),
            });
            Assert.True(status == 200, body.ToJsonString());
            records.Add((name, Leaf(body)));
        }
        var (p256Key, p256Chain) = ca.Certify(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using (p256Key) await CertifiedAsync("ecdsa-p256-sha256 certified", "certified", p256Key, p256Chain);
        // An SM2 leaf with its private key: a "CA" certificate of the SM2 CA that may not issue, with a signing key usage.
        var sm2Leaf = (Sm2Ca)sm2Ca.IssueCa(TestName.Cn("Acme SM2 Signing"), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), isCa: false, usage: TestCa.SigningUsage);
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Sm2Sm3, PrivateKeyInfoFactory.CreatePrivateKeyInfo(sm2Leaf.PrivateKey).GetDerEncoded(), out var sm2Key, out var sm2Error), sm2Error);
        using (sm2Key) await CertifiedAsync("sm2-sm3 certified", "certified_sm2", sm2Key, sm2Key.Descriptor with { PublicKey = null, Certificates = [Convert.ToBase64String(sm2Leaf.Der)] });

        var bundles = new Dictionary<string, JsonObject>();
        foreach (var (name, leaf) in records) bundles[name] = await SealedBundleAsync(node, leaf);
        var trust = (await node.GetAsync("/v1/trust")).Body;
        var trustText = trust.ToJsonString();
        var rpc = $"31337={anvil.Url}";

        var cases = new JsonArray();
        void Case(string name, JsonObject bundle, string trustJson, bool withRpc = true, byte[]? file = null, bool screenshot = false) => cases.Add(new JsonObject
        {
            ["name"] = name, ["bundle"] = bundle.ToJsonString(), ["trust"] = trustJson, ["rpc"] = withRpc ? rpc : "",
            ["file"] = file is null ? null : Convert.ToBase64String(file), ["screenshot"] = screenshot,
        });
        foreach (var (name, bundle) in bundles) Case(name, bundle, trustText, file: SignatureAlgs.TryParse(name, out _) ? document : null, screenshot: name == "ed25519");
        var ed = bundles["ed25519"];
        Case("offline", ed, trustText, withRpc: false);
        Case("no trust file", ed, "");
        Case("another document", ed, trustText, file: [.. document, (byte)'!']);
        var untrustedTsa = trust.DeepClone().AsObject();
        untrustedTsa["tsaRoots"] = new JsonArray(ca.Pem);
        Case("TSA root not in the trust file", ed, untrustedTsa.ToJsonString());
        var otherRoots = trust.DeepClone().AsObject();
        using var otherCa = new ProviderCa();
        otherRoots["providerRoots"] = new JsonArray(otherCa.Pem); // Same CA name, another key.
        Case("provider CA not in the trust file", bundles["ecdsa-p256-sha256 certified"], otherRoots.ToJsonString());
        var otherSm2Roots = trust.DeepClone().AsObject();
        otherSm2Roots["providerRoots"] = new JsonArray(ca.Pem, Pem(sm2Ca.Impostor(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5)).Der)); // The SM2 CA's name, another key.
        Case("SM2 provider CA not in the trust file", bundles["sm2-sm3 certified"], otherSm2Roots.ToJsonString());
        // Every string of a sealed bundle and of a batch bundle, changed by one character; the labels logKey (information
        // only, DESIGN A7) and the TSA's name are left out, as the CLI's mutation tests leave them out.
        var mutations = new List<string>();
        foreach (var source in new[] { "ed25519", "ed25519 batch", "ecdsa-p256-sha256 certified", "sm2-sm3 certified" })
            foreach (var (path, _) in BundleMutations.StringLeaves(bundles[source]).Where(l => l.Path is not ("/logKey" or "/timestamps/0/tsa" or "/timestamps/1/tsa")))
            {
                if (source != "ed25519" && !path.StartsWith("/entry/batch", StringComparison.Ordinal) && !path.StartsWith("/keyEntry/entry/key/certificates", StringComparison.Ordinal)
                    && !path.StartsWith("/providerKey/certificates", StringComparison.Ordinal)) continue;
                mutations.Add($"mutated {source} {path}");
                Case(mutations[^1], BundleMutations.With(bundles[source], path), trustText);
            }
        Assert.True(mutations.Count > 40, $"only {mutations.Count} mutations");
        // Each algorithm's verifier refuses a changed signature: the proof of possession of every registered key.
        foreach (var alg in SignatureAlgs.All.Select(SignatureAlgs.ToWire))
            Case($"forged pop {alg}", BundleMutations.With(bundles[alg], "/keyEntry/entry/pop"), trustText);
        // Each TSA's signature: the token's last byte is the last byte of its signer's signature value.
        for (var i = 0; i < 2; i++)
        {
            var forged = ed.DeepClone().AsObject();
            var token = Convert.FromBase64String(forged["timestamps"]![i]!["token"]!.GetValue<string>());
            token[^1] ^= 1;
            forged["timestamps"]![i]!["token"] = Convert.ToBase64String(token);
            Case($"forged tsa {forged["timestamps"]![i]!["tsa"]}", forged, trustText);
        }

        var run = await RunPageAsync(node, anvil.Url, cases, ed, trustText);
        var results = run["results"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!.AsObject());
        string Show(string name) => string.Join("\n", results[name]["checks"]!.AsArray().Select(c => $"{c!["status"]} {c["name"]}: {c["detail"]}")) + "\n" + results[name]["verdict"];
        string[] Statuses(string name, string status) => [.. results[name]["checks"]!.AsArray().Where(c => c!["status"]!.GetValue<string>() == status).Select(c => c!["name"]!.GetValue<string>())];

        foreach (var name in bundles.Keys)
        {
            Assert.True(results[name]["outcome"]!.GetValue<string>() == "valid", name + ":\n" + Show(name));
            Assert.True(Statuses(name, "fail").Length == 0 && Statuses(name, "notchecked").Length == 0, name + ":\n" + Show(name));
            Assert.StartsWith("verdict: VALID: ", results[name]["verdict"]!.GetValue<string>());
            // The same checks as the CLI, by name: the chain's and the TSA's among them.
            var names = results[name]["checks"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToHashSet();
            Assert.Superset(new HashSet<string> { "key registration", "provider identity", "provider signature", "leaf hash", "inclusion proof", "key registration inclusion",
                "checkpoint signature", "checkpoint matches proof", "anchor chain 31337 names this tree", "anchor chain 31337 registry", "anchor chain 31337 transaction",
                "anchor chain 31337 Anchored event", "anchor chain 31337 rootAt", "anchor chain 31337 operator", "anchor chain 31337 key commitment", "anchor chain 31337 block",
                "anchor chain 31337 confirmations", "anchor chain 31337 block time", "tsa dev token", "tsa dev imprint", "tsa dev signature", "tsa dev trusted root", "tsa dev node clock",
                "tsa cn token", "tsa cn imprint", "tsa cn signature", "tsa cn trusted root", "tsa cn node clock" }, names);
        }
        // Core's verifier, as `anchor verify` runs it, reaches the same lines (name and status), the same verdict and the
        // same trust-file fingerprint for each genuine bundle.
        var trustFile = TrustFile.FromJson(trust);
        foreach (var (name, bundle) in bundles)
        {
            await using var file = SignatureAlgs.TryParse(name, out _) ? new MemoryStream(document) : null;
            var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions
            {
                Trust = trustFile, File = file, Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) },
            });
            Assert.Equal(report.Checks.Select(c => $"{c.Name}: {c.Status.ToString().ToLowerInvariant()}"),
                results[name]["checks"]!.AsArray().Select(c => $"{c!["name"]}: {c["status"]}"));
            Assert.Equal("verdict: " + report.Verdict, results[name]["verdict"]!.GetValue<string>());
            Assert.Equal(report.Summary.Single(l => l.Label == "trusted roots").Text,
                results[name]["summary"]!.AsArray().Single(l => l!["label"]!.GetValue<string>() == "trusted roots")!["text"]!.GetValue<string>());
        }
        Assert.Contains(trustFile.Fingerprint(), results["ed25519"]["summary"]!.ToJsonString());

        // A report opens the page with the bundle and trust file preloaded, and no RPC: it verifies itself offline on load.
        Assert.True(Statuses("preloaded", "fail").Length == 0, Show("preloaded"));
        Assert.StartsWith("verdict: VALID OFFLINE, ANCHORS NOT CHECKED: ", results["preloaded"]["verdict"]!.GetValue<string>());
        foreach (var alg in SignatureAlgs.All.Select(SignatureAlgs.ToWire))
            Assert.Equal(["file digest"], Statuses(alg, "pass").Take(1));
        Assert.Equal(HashAlgs, SignatureAlgs.All.Take(HashAlgs.Length).Select(a => bundles[SignatureAlgs.ToWire(a)]["entry"]!["evidence"]!["hashAlg"]!.GetValue<string>()));
        Assert.Contains("batch path", Statuses("ed25519 batch", "pass"));
        Assert.Contains("provider identity", Statuses("ecdsa-p256-sha256 certified", "pass"));
        Assert.Contains("provider identity", Statuses("sm2-sm3 certified", "pass"));
        Assert.Contains("provider identity", Statuses("ed25519", "info"));
        Assert.StartsWith("verdict: VALID OFFLINE, ANCHORS NOT CHECKED: ", results["offline"]["verdict"]!.GetValue<string>());
        Assert.StartsWith("verdict: UNVERIFIED: ", results["no trust file"]["verdict"]!.GetValue<string>());
        Assert.Equal(["file digest"], Statuses("another document", "fail"));
        Assert.Equal(["tsa cn trusted root", "tsa dev trusted root"], Statuses("TSA root not in the trust file", "fail").Order());
        Assert.Equal(["provider identity"], Statuses("provider CA not in the trust file", "fail"));
        Assert.Equal(["provider identity"], Statuses("SM2 provider CA not in the trust file", "fail"));
        foreach (var alg in SignatureAlgs.All.Select(SignatureAlgs.ToWire))
            Assert.True(Statuses($"forged pop {alg}", "fail").Contains("key registration"), Show($"forged pop {alg}"));
        Assert.Equal(["tsa dev signature"], Statuses("forged tsa dev", "fail"));
        Assert.Equal(["tsa cn signature"], Statuses("forged tsa cn", "fail"));
        foreach (var name in mutations)
            Assert.True(results[name]["outcome"]!.GetValue<string>() == "invalid" && Statuses(name, "fail").Length > 0, name + " went unnoticed:\n" + Show(name));

        Assert.True(run["foreign"]!.AsArray().Count == 0, "requests to other origins: " + run["foreign"]!.ToJsonString());
        Assert.Contains(run["requests"]!.AsArray(), r => r!.GetValue<string>().StartsWith(anvil.Url, StringComparison.Ordinal));
        Assert.True(run["console"]!.AsArray().Count == 0, "console errors: " + run["console"]!.ToJsonString());
        output.WriteLine($"{cases.Count} cases ({mutations.Count} mutations) checked in chromium; screenshot: {Screenshot}");
    }

    private static readonly string[] HashAlgs = ["sha256", "sm3", "sha3-256", "keccak256"];

    /// <summary>Where the screenshot is kept: ANCHOR_TEST_ARTIFACTS, or tests/browser/artifacts.</summary>
    private static string Screenshot => Path.Combine(Environment.GetEnvironmentVariable("ANCHOR_TEST_ARTIFACTS") is { Length: > 0 } dir ? dir
        : Path.Combine(RepoRoot.Path, "tests", "browser", "artifacts"), "verify-page.png");

    private async Task<JsonObject> RunPageAsync(TestNode node, string rpcUrl, JsonArray cases, JsonObject preloadBundle, string preloadTrust)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Screenshot)!);
        // Kept beside the screenshot: what the page was given and what it said, to read when a case fails.
        var casesFile = Path.Combine(Path.GetDirectoryName(Screenshot)!, "verify-page-cases.json");
        var resultsFile = Path.Combine(Path.GetDirectoryName(Screenshot)!, "verify-page-results.json");
        // The preloaded case is what a court receives: `anchor report`'s HTML, opened from disk, verifying itself.
        var bundleFile = Path.Combine(_state, "preload-bundle.json");
        var trustFile = Path.Combine(_state, "preload-trust.json");
        var reportFile = Path.Combine(Path.GetDirectoryName(Screenshot)!, "report.html");
        await File.WriteAllTextAsync(bundleFile, preloadBundle.ToJsonString());
        await File.WriteAllTextAsync(trustFile, preloadTrust);
        var report = await Anchor.Core.Tests.Cli.CliRunner.Run("report", bundleFile, "--trust", trustFile, "-o", reportFile);
        Assert.True(report.Exit == 1 && File.Exists(reportFile), report.Output + report.Error); // 1: anchors not checked without --rpc.
        await File.WriteAllTextAsync(casesFile, new JsonObject
        {
            ["url"] = new Uri(node.Http.BaseAddress!, "/verify").ToString(),
            ["allowedOrigins"] = new JsonArray(rpcUrl),
            ["cases"] = cases,
            ["preload"] = new JsonObject { ["file"] = reportFile },
        }.ToJsonString());
        var browserDir = Path.Combine(RepoRoot.Path, "tests", "browser");
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is not installed (apt-get install chromium; tests/run.sh does)");
        Assert.True(Directory.Exists(Path.Combine(browserDir, "node_modules", "playwright-core")), "run npm ci in tests/browser (tests/run.sh does)");
        var (exit, text) = await Task.Run(() => Run("node", browserDir, "verify-page.mjs", casesFile, resultsFile, Screenshot));
        Assert.True(exit == 0, text);
        return JsonNode.Parse(await File.ReadAllTextAsync(resultsFile))!.AsObject();
    }

    private static string Pem(byte[] der) => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", der) + "\n";

    private static ulong Leaf(JsonObject body) => ulong.Parse(body["leafIndex"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    /// <summary>The bundle once its tree is sealed by the chain and both TSAs.</summary>
    private static async Task<JsonObject> SealedBundleAsync(TestNode node, ulong leaf)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var (_, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            if (bundle["anchors"] is JsonArray { Count: > 0 } && bundle["timestamps"] is JsonArray { Count: > 1 }) return bundle;
            if (DateTime.UtcNow > deadline) Assert.Fail($"leaf {leaf} not sealed: {bundle.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    private static (int Exit, string Output) Run(string file, string directory, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8))) { process.Kill(true); return (-1, "timed out\n" + stdout + stderr.Result); }
        return (process.ExitCode, stdout + stderr.Result);
    }
}
