using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;
using Anchor.Grains.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Node.Tests;

/// <summary>
/// Time-stamping end to end: a real node and Redis asking real TSAs over HTTP. The development TSA (OpenSSL) seals
/// the same trees a real chain anchors, and `openssl ts -verify` accepts every token the node stored; test TSAs that
/// are down, or answer with a wrong imprint, a wrong nonce, a signer without the EKU, or under an untrusted root, are
/// refused and counted, and an SM2 TSA's tokens verify.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class TimestampingTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-tsa-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private static string[] Tsa(int i, string name, string url, string hashAlg, string? roots) =>
    [
        $"--Anchor:Tsa:{i}:Name={name}", $"--Anchor:Tsa:{i}:Url={url}", $"--Anchor:Tsa:{i}:HashAlg={hashAlg}", $"--Anchor:Tsa:{i}:TimeoutSeconds=5",
        .. roots is null ? Array.Empty<string>() : [$"--Anchor:Tsa:{i}:Roots={roots}"],
    ];

    private static async Task<JsonObject> BundleAsync(TestNode node, ulong leaf, Func<JsonObject, bool> until, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (_, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            if (until(bundle)) return bundle;
            if (DateTime.UtcNow > deadline) Assert.Fail($"leaf {leaf}: {what} did not happen: {bundle.ToJsonString()}\nhealth: {(await node.HealthAsync()).Body.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    private static int Count(JsonObject bundle, string member) => bundle[member] is JsonArray a ? a.Count : 0;

    private static string Describe(VerificationReport report) =>
        string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")) + "\n" + report.Verdict;

    /// <summary>The one sample of <paramref name="name"/> whose labels contain every one of <paramref name="labels"/>, 0 when there is none.</summary>
    private static async Task<double> MetricAsync(TestNode node, string name, params string[] labels)
    {
        var text = await node.Operator.GetStringAsync("/metrics");
        var sample = text.Split('\n').FirstOrDefault(l => Regex.IsMatch(l, "^" + Regex.Escape(name) + @"\{") && labels.All(x => l.Contains(x, StringComparison.Ordinal)));
        return sample is null ? 0 : double.Parse(sample.Split('}')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The sample once it satisfies <paramref name="until"/>: the exporter caches a scrape for a few hundred milliseconds.</summary>
    private static async Task<double> MetricAsync(TestNode node, Func<double, bool> until, string name, params string[] labels)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var value = await MetricAsync(node, name, labels);
            if (until(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task The_development_TSA_and_a_chain_seal_the_same_tree_and_openssl_accepts_every_stored_token()
    {
        await using var tsa = await DevTsa.StartAsync(RepoRoot.Path);
        await using var anvil = await Anvil.StartAsync(31337);
        var chainArgs = await LocalChain.ArgsAsync(anvil, _state);
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "tsa.test/dev", Path.Combine(_state, "node"),
        [
            "--Anchor:Anchoring:IntervalSeconds=1",
            .. chainArgs,
            .. Tsa(0, "dev", tsa.Url, "sha256", tsa.RootFile),
        ]));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await AnchoringTests.SubmitAsync(node, provider, 5);

        // One bundle carries a chain anchor and a TSA token of the same tree: the seal both sealed.
        var bundle = await BundleAsync(node, leaves[1], b => Count(b, "anchors") > 0 && Count(b, "timestamps") > 0, "a seal by chain and TSA");
        Assert.Equal(bundle["treeSize"]!.GetValue<string>(), bundle["anchors"]![0]!["treeSize"]!.GetValue<string>());
        Assert.Equal("dev", bundle["timestamps"]![0]!["tsa"]!.GetValue<string>());

        // The node's trust entry lists the TSA's root; against it the bundle passes every check, chain included.
        var trustJson = (await node.GetAsync("/v1/trust")).Body;
        var trust = TrustFile.FromJson(trustJson);
        Assert.Equal([tsa.RootPem.Trim()], trust.TsaRoots.Select(r => r.Trim()));
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions
        {
            Trust = trust,
            Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) },
        });
        Assert.True(report.AllPassed, Describe(report));
        Assert.StartsWith("VALID: ", report.Verdict);
        Assert.Contains("existed no later than ", report.Verdict);

        // The CLI shows the TSA's time, in UTC and China Standard Time.
        var bundleFile = Path.Combine(_state, "bundle.json");
        var trustFile = Path.Combine(_state, "trust.json");
        await File.WriteAllTextAsync(bundleFile, bundle.ToJsonString());
        await File.WriteAllTextAsync(trustFile, trustJson.ToJsonString());
        var (exit, output, error) = await CliRunner.Run("verify", bundleFile, "--trust", trustFile, "--rpc", $"31337={anvil.Url}");
        Assert.True(exit == 0, output + error);
        Assert.Matches(@"when: +TSA dev genTime \S+Z UTC = \S+ \S+ China Standard Time \(UTC\+8\), accuracy ±1 s \(trusted TSA\)", output);
        Assert.Contains("✓ tsa dev signature", output);

        // Every token the node stored passes openssl ts -verify against the root, over its kept checkpoint's body.
        var store = node.Services.GetRequiredService<LogStore>();
        var stored = await node.Services.GetRequiredService<TimestampStore>().ReadAllAsync();
        Assert.NotEmpty(stored);
        foreach (var (size, name, json) in stored)
        {
            var stamp = StoredTimestamp.FromJson(json);
            Assert.Equal((size, "dev"), (stamp.Size, name));
            var digest = TsaHashAlg.CheckpointImprint("sha256", (await store.ReadKeptCheckpointAsync(size))!);
            var (verified, text) = await OpenSslTs.VerifyAsync(Convert.FromBase64String(stamp.Stamp.Token), digest, tsa.RootFile);
            Assert.True(verified == 0, $"size {size}: {text}");
        }

        // Health, status and metrics name the TSA.
        var health = (await node.HealthAsync()).Body["tsa"]![0]!;
        Assert.Equal(("dev", "ok"), (health["name"]!.GetValue<string>(), health["state"]!.GetValue<string>()));
        Assert.True(await MetricAsync(node, v => v >= 1, "anchor_tsa_tokens_total", "tsa=\"dev\"") >= 1);
        var (statusExit, statusText, _) = await CliRunner.Run("status", "--node", node.Http.BaseAddress!.ToString(), "--admin-token-file",
            Path.Combine(node.StateDir, NodeState.AdminTokenFile));
        Assert.True(statusExit == 0, statusText);
        Assert.Contains("dev (" + tsa.Url + ", sha256): ", statusText);

        // The audit re-checks every token; a token edited in Redis is named.
        var audit = new[] { "audit", "--redis", redis.Connection, "--origin", "tsa.test/dev" };
        var (auditExit, auditText, auditError) = await CliRunner.Run(audit);
        Assert.True(auditExit == 0, auditText + auditError);
        // The TSA goes on stamping new seals meanwhile: the audit checked at least the tokens read above.
        var audited = System.Text.RegularExpressions.Regex.Match(auditText, @"(\d+) time-stamp\(s\)");
        Assert.True(audited.Success && int.Parse(audited.Groups[1].Value, CultureInfo.InvariantCulture) >= stored.Count, auditText);
        var (firstSize, _, firstJson) = stored[0];
        var edited = (JsonObject)Jcs.ParseStrict(firstJson);
        edited["token"] = Convert.ToBase64String(TamperedGenTime(Convert.FromBase64String(edited["token"]!.GetValue<string>())));
        await node.Services.GetRequiredService<TimestampStore>().SaveAsync(firstSize, "dev", edited.ToJsonString());
        var (tamperedExit, tamperedJson, _) = await CliRunner.Run([.. audit, "--json"]);
        Assert.Equal(1, tamperedExit);
        Assert.Equal([$"timestamp dev/{firstSize}"], JsonNode.Parse(tamperedJson)!["findings"]!.AsArray().Select(f => f!["subject"]!.GetValue<string>()));
        await node.Services.GetRequiredService<TimestampStore>().SaveAsync(firstSize, "dev", firstJson);
    }

    /// <summary>A token with one digit of its genTime changed: what it says is no longer what the TSA signed.</summary>
    private static byte[] TamperedGenTime(byte[] der)
    {
        var token = TsaToken.Read(der);
        var text = System.Text.Encoding.ASCII.GetBytes(token.GenTime.UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
        var at = der.AsSpan().IndexOf(text);
        Assert.True(at > 0);
        var copy = (byte[])der.Clone();
        copy[at + 3] = (byte)(copy[at + 3] == '9' ? '0' : copy[at + 3] + 1);
        return copy;
    }

    /// <summary>
    /// A TSA down from the start: its rounds fail and are counted, the log keeps sequencing, and it owes the same
    /// checkpoint until it answers, even once later rounds seal newer ones. Back, it stamps that checkpoint first,
    /// then the newest seal. (A day between rounds: after the first, the test runs each round itself.)
    /// </summary>
    [Fact]
    public async Task A_TSA_that_is_down_gets_the_same_checkpoint_again_when_it_comes_back()
    {
        await using var server = await TestTsaServer.StartAsync(TestTsa.Ecdsa("Flaky TSA"));
        server.Down();
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "tsa.test/down", Path.Combine(_state, "node"),
            ["--Anchor:Anchoring:IntervalSeconds=86400", .. Tsa(0, "flaky", server.Url, "sha256", server.WriteRoot(_state))]));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var first = await AnchoringTests.SubmitAsync(node, provider, 3);
        await ResetSealAsync(node, "flaky"); // A round may have sealed the key registration alone, before the records.
        var grain = node.Services.GetRequiredService<IGrainFactory>().GetGrain<ITsaGrain>("flaky");

        // Down: the round fails, is counted, and leaves the seal's checkpoint owed.
        Assert.Equal(0UL, await grain.StampNow());
        var (healthStatus, health) = await node.HealthAsync();
        Assert.Equal(200, healthStatus);
        var tsa = health["tsa"]![0]!;
        Assert.Equal(("down", "unreachable"), (tsa["state"]!.GetValue<string>(), tsa["lastReason"]!.GetValue<string>()));
        var owed = tsa["pendingSize"]!.GetValue<string>();
        Assert.True(await MetricAsync(node, v => v >= 3, "anchor_tsa_failures_total", "tsa=\"flaky\"", "reason=\"unreachable\"") >= 3); // Three attempts a round.

        // The log grows and a later round would seal size 5 (the round's seal has expired): the TSA still owes the same checkpoint.
        await AnchoringTests.SubmitAsync(node, provider, 2);
        await node.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase()
            .KeyDeleteAsync(node.Services.GetRequiredService<LogStore>().Keys.Full("seal"));
        Assert.Equal(0UL, await grain.StampNow());
        Assert.Equal(owed, (await node.HealthAsync()).Body["tsa"]![0]!["pendingSize"]!.GetValue<string>());
        Assert.Equal(0, Count((await node.GetAsync($"/v1/proofs/{first[0]}")).Body, "timestamps"));

        // Back: the owed checkpoint first, then the newest seal.
        server.Up();
        Assert.Equal(ulong.Parse(owed, CultureInfo.InvariantCulture), await grain.StampNow());
        Assert.Equal(6UL, await grain.StampNow()); // The newest checkpoint: the key registration and 5 records.
        var bundle = await BundleAsync(node, first[0], b => Count(b, "timestamps") > 0, "a time-stamp"); // Stored tokens are listed within a second.
        Assert.Equal((owed, 1), (bundle["treeSize"]!.GetValue<string>(), Count(bundle, "timestamps")));
        var trust = TrustFile.FromJson((await node.GetAsync("/v1/trust")).Body);
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = trust });
        Assert.True(report.AllPassed, Describe(report));
        Assert.Contains("(source: TSA flaky", report.Verdict);
        Assert.Equal("ok", (await node.HealthAsync()).Body["tsa"]![0]!["state"]!.GetValue<string>());
        Assert.Equal(["flaky"], (await node.GetAsync("/v1/node")).Body["tsa"]!.AsArray().Select(t => t!["name"]!.GetValue<string>()));
    }

    /// <summary>
    /// Replies that answer another hash, another nonce, come from a signer without the timeStamping EKU, or from a TSA
    /// whose signer does not chain to the configured Roots, are each refused, counted under their reason, and stored
    /// nowhere. An SM2 TSA asked for SM3 imprints is verified with BouncyCastle, and a TSA whose clock is behind the
    /// node's is stored (the node cannot know which clock is right) and flagged by verify.
    /// </summary>
    [Fact]
    public async Task Faulty_replies_are_refused_and_counted_and_SM2_tokens_verify()
    {
        await using var flaky = await TestTsaServer.StartAsync(TestTsa.Ecdsa("Faulty TSA"));
        flaky.Tsa.Fault = TsaFault.WrongImprint; // From the start: a round the grain's timer runs is refused too.
        await using var impostor = await TestTsaServer.StartAsync(TestTsa.Ecdsa("Impostor TSA"));
        await using var cn = await TestTsaServer.StartAsync(TestTsa.Sm2("SM2 TSA"));
        await using var behind = await TestTsaServer.StartAsync(TestTsa.Ecdsa("Slow clock TSA"));
        behind.Tsa.Clock = () => DateTime.UtcNow.AddHours(-1);
        // A day between rounds: the test runs each round itself, on one seal.
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "tsa.test/faults", Path.Combine(_state, "node"),
        [
            "--Anchor:Anchoring:IntervalSeconds=86400",
            .. Tsa(0, "faulty", flaky.Url, "sha256", flaky.WriteRoot(_state)),
            .. Tsa(1, "impostor", impostor.Url, "sha256", flaky.WriteRoot(_state)), // Roots of another TSA's CA.
            .. Tsa(2, "cn", cn.Url, "sm3", cn.WriteRoot(_state)),
            .. Tsa(3, "behind", behind.Url, "sha256", behind.WriteRoot(_state)),
        ]));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var leaves = await AnchoringTests.SubmitAsync(node, provider, 2);
        await ResetSealAsync(node, "faulty", "impostor", "cn", "behind"); // A round may have sealed the key registration alone.
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var stamps = node.Services.GetRequiredService<TimestampStore>();

        foreach (var (fault, reason) in new[] { (TsaFault.WrongImprint, "imprint"), (TsaFault.WrongNonce, "nonce"), (TsaFault.NoEku, "eku") })
        {
            flaky.Tsa.Fault = fault;
            var before = await MetricAsync(node, "anchor_tsa_failures_total", "tsa=\"faulty\"", $"reason=\"{reason}\"");
            Assert.Equal(0UL, await grains.GetGrain<ITsaGrain>("faulty").StampNow());
            Assert.True(await MetricAsync(node, v => v > before, "anchor_tsa_failures_total", "tsa=\"faulty\"", $"reason=\"{reason}\"") > before, $"{reason} not counted");
            var status = (await node.HealthAsync()).Body["tsa"]![0]!;
            Assert.Equal(("error", reason), (status["state"]!.GetValue<string>(), status["lastReason"]!.GetValue<string>()));
        }
        Assert.Equal(0UL, await grains.GetGrain<ITsaGrain>("impostor").StampNow());
        Assert.True(await MetricAsync(node, v => v >= 1, "anchor_tsa_failures_total", "tsa=\"impostor\"", "reason=\"untrusted\"") >= 1);
        Assert.DoesNotContain(await stamps.ReadAllAsync(), s => s.Tsa is "faulty" or "impostor");

        // The same TSA without faults: the owed checkpoint is stamped.
        flaky.Tsa.Fault = TsaFault.None;
        Assert.Equal(3UL, await grains.GetGrain<ITsaGrain>("faulty").StampNow()); // The key registration and 2 records.
        Assert.Equal(1, await MetricAsync(node, v => v >= 1, "anchor_tsa_tokens_total", "tsa=\"faulty\""));

        // SM2: BouncyCastle verifies what .NET cannot decode; the node's trust entry lists the SM2 root.
        Assert.Equal(3UL, await grains.GetGrain<ITsaGrain>("cn").StampNow());
        Assert.Equal(3UL, await grains.GetGrain<ITsaGrain>("behind").StampNow());
        var bundle = ProofBundle.FromJson(await BundleAsync(node, leaves[0], b => Count(b, "timestamps") == 3, "three time-stamps"));
        Assert.Equal(["behind", "cn", "faulty"], bundle.Timestamps.Select(t => t.Tsa));
        var trust = TrustFile.FromJson((await node.GetAsync("/v1/trust")).Body);
        Assert.Contains(trust.TsaRoots, r => r.Trim() == cn.Tsa.RootPem.Trim());
        var sm2 = await BundleVerifier.VerifyAsync(bundle with { Timestamps = [.. bundle.Timestamps.Where(t => t.Tsa == "cn")] }, new VerifyOptions { Trust = trust });
        Assert.True(sm2.AllPassed, Describe(sm2));
        Assert.StartsWith("SM2 signature by ", sm2.Checks.Single(c => c.Name == "tsa cn signature").Detail);

        // The TSA an hour behind: its token is genuine, and verify says the node's clock ran ahead of it.
        var slow = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = trust });
        Assert.Equal(CheckStatus.Fail, slow.Checks.Single(c => c.Name == "tsa behind node clock").Status);
        Assert.Equal(CheckStatus.Pass, slow.Checks.Single(c => c.Name == "tsa behind signature").Status);
        Assert.StartsWith("INVALID", slow.Verdict);
    }

    /// <summary>Starts sealing afresh: the round's seal and what each TSA owes are forgotten, so the next round seals the head.</summary>
    private static async Task ResetSealAsync(TestNode node, params string[] tsas)
    {
        var db = node.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>().GetDatabase();
        var keys = node.Services.GetRequiredService<LogStore>().Keys;
        await db.KeyDeleteAsync(keys.Full("seal"));
        foreach (var tsa in tsas) await db.KeyDeleteAsync(keys.Full($"timestamps/{tsa}/pending"));
    }
}
