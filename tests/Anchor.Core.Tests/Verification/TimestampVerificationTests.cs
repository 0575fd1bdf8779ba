using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// `anchor verify` on bundles that carry RFC 3161 time-stamps: a token from a TSA the trust file lists proves the
/// existence time; an untrusted TSA, a tampered token, a token over another checkpoint and a node clock running
/// ahead of the TSA each fail.
/// </summary>
public sealed class TimestampVerificationTests
{
    private sealed record Sealed(InMemoryLog Log, ProofBundle Bundle) : IDisposable
    {
        public void Dispose() => Log.Dispose();
    }

    /// <summary>A log of three entries, and the bundle of the second with a time-stamp of its checkpoint by <paramref name="reply"/>.</summary>
    private static Sealed Build(Func<byte[], byte[]> reply, string hashAlg = TsaHashAlg.Sha256, string name = "dev")
    {
        var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-1", [1]));
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-2", [2]));
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-3", [3]));
        var bundle = log.Bundle(index, key.Descriptor);
        return new Sealed(log, bundle with { Timestamps = [Stamp(bundle.Checkpoint, reply, hashAlg, name)] });
    }

    /// <summary>A time-stamp of <paramref name="checkpoint"/>'s body by the TSA that answers queries with <paramref name="reply"/>.</summary>
    internal static TsaTimestamp Stamp(string checkpoint, Func<byte[], byte[]> reply, string hashAlg, string name)
    {
        var query = TsaQuery.Create(hashAlg, TsaHashAlg.CheckpointImprint(hashAlg, checkpoint), null);
        var token = query.Accept(reply(query.Encode()), []);
        return new TsaTimestamp(name, hashAlg, Convert.ToBase64String(token.Der));
    }

    private static TrustFile Trust(InMemoryLog log, params string[] tsaRoots) =>
        new([new TrustedLog(InMemoryLog.Origin, [log.LogKey.VerifierKey.ToString()], [])], [], tsaRoots);

    private static string Describe(VerificationReport report) =>
        string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")) + "\n" + report.Verdict;

    [Theory]
    [InlineData(TsaHashAlg.Sha256)]
    [InlineData(TsaHashAlg.Sm3)]
    public async Task ATokenFromTheDevelopmentTsaProvesTheTimeWhenItsRootIsTrusted(string hashAlg)
    {
        await using var tsa = await DevTsa.StartAsync(TestData.RepoRoot);
        using var s = Build(q => tsa.ReplyAsync(q).GetAwaiter().GetResult(), hashAlg);
        var report = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });

        Assert.True(report.AllPassed, Describe(report));
        foreach (var check in new[] { "token", "imprint", "signature", "trusted root", "node clock" })
            Assert.Equal(CheckStatus.Pass, report.Checks.Single(c => c.Name == $"tsa dev {check}").Status);
        Assert.StartsWith("VALID, NOT ANCHORED", report.Verdict);
        Assert.Contains("Existed no later than ", report.Verdict);
        Assert.Contains("(source: TSA dev, genTime ", report.Verdict);
        var when = report.Summary.Single(l => l.Label == "when" && l.Text.StartsWith("TSA dev", StringComparison.Ordinal)).Text;
        Assert.Contains("China Standard Time (UTC+8)", when);
        Assert.Contains("accuracy ±1 s (trusted TSA)", when);
        var tsaLine = report.Summary.Single(l => l.Label == "tsa").Text;
        Assert.Contains("serial 0x", tsaLine);
        Assert.Contains("policy 1.2.3.4.1", tsaLine);
        Assert.Contains($"{hashAlg} imprint", tsaLine);
        Assert.Contains(report.Summary, l => l.Label == "no later than");
    }

    [Fact]
    public async Task ATsaTheTrustFileDoesNotListIsUntrusted()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        foreach (var trust in new[] { Trust(s.Log), Trust(s.Log, TestTsa.Ecdsa("Another TSA").RootPem), TrustFile.ForLogKey(s.Log.LogKey.VerifierKey.ToString()) })
        {
            var report = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { Trust = trust });
            var root = report.Checks.Single(c => c.Name == "tsa dev trusted root");
            Assert.Equal(CheckStatus.Fail, root.Status);
            Assert.Contains(trust.TsaRoots.Count == 0 ? "no TSA root is trusted" : "does not chain to a trusted TSA root", root.Detail);
            Assert.Equal(VerificationOutcome.Invalid, report.Outcome);
            Assert.Contains("NOT a trusted TSA", report.Summary.Single(l => l.Label == "when" && l.Text.StartsWith("TSA", StringComparison.Ordinal)).Text);
        }
        var trusted = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { Trust = Trust(s.Log, TestTsa.Ecdsa("Another TSA").RootPem, tsa.RootPem) });
        Assert.True(trusted.AllPassed, Describe(trusted));

        // Exploring without roots: the TSA is not checked against any, and nothing says VALID.
        var explored = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { AllowUntrusted = true });
        Assert.Equal(CheckStatus.NotChecked, explored.Checks.Single(c => c.Name == "tsa dev trusted root").Status);
        Assert.StartsWith("UNTRUSTED", explored.Verdict);
    }

    [Fact]
    public async Task AnSm2TokenVerifiesAgainstItsSm2Root()
    {
        var tsa = TestTsa.Sm2();
        using var s = Build(tsa.Reply, TsaHashAlg.Sm3, "cn-tsa");
        var report = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });
        Assert.True(report.AllPassed, Describe(report));
        Assert.StartsWith("SM2 signature by ", report.Checks.Single(c => c.Name == "tsa cn-tsa signature").Detail);
        Assert.Contains("ESSCertIDv2", report.Checks.Single(c => c.Name == "tsa cn-tsa signature").Detail);
    }

    [Fact]
    public async Task ATamperedTokenFails()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        var der = Convert.FromBase64String(s.Bundle.Timestamps[0].Token);
        var token = TsaToken.Read(der);
        // The genTime of the TSTInfo moved by a year: the signature no longer covers what the token says.
        var genTime = System.Text.Encoding.ASCII.GetBytes(token.GenTime.UtcDateTime.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture));
        var at = der.AsSpan().IndexOf(genTime);
        Assert.True(at > 0);
        der[at + 3] = (byte)(der[at + 3] == '9' ? '0' : der[at + 3] + 1);
        var tampered = s.Bundle with { Timestamps = [s.Bundle.Timestamps[0] with { Token = Convert.ToBase64String(der) }] };

        var report = await BundleVerifier.VerifyAsync(tampered, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });
        Assert.Equal(CheckStatus.Fail, report.Checks.Single(c => c.Name == "tsa dev signature").Status);
        Assert.StartsWith("INVALID", report.Verdict);
        Assert.DoesNotContain("no later than", report.Verdict);

        var garbage = s.Bundle with { Timestamps = [s.Bundle.Timestamps[0] with { Token = "not base64!" }] };
        Assert.Equal(CheckStatus.Fail, (await BundleVerifier.VerifyAsync(garbage, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) }))
            .Checks.Single(c => c.Name == "tsa dev token").Status);
    }

    [Fact]
    public async Task ATokenOverAnotherCheckpointOrUnderAnotherHashFailsTheImprint()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        using var other = Build(tsa.Reply);
        var swapped = s.Bundle with { Timestamps = other.Bundle.Timestamps };
        var report = await BundleVerifier.VerifyAsync(swapped, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });
        Assert.Equal(CheckStatus.Fail, report.Checks.Single(c => c.Name == "tsa dev imprint").Status);
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);

        var relabelled = s.Bundle with { Timestamps = [s.Bundle.Timestamps[0] with { HashAlg = TsaHashAlg.Sm3 }] };
        var imprint = (await BundleVerifier.VerifyAsync(relabelled, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) })).Checks.Single(c => c.Name == "tsa dev imprint");
        Assert.Equal((CheckStatus.Fail, "the token's imprint is sha256, not sm3"), (imprint.Status, imprint.Detail));
    }

    /// <summary>The node stamped receivedAt an hour after the TSA's time: its clock runs ahead, and verify says so.</summary>
    [Fact]
    public async Task ANodeClockAheadOfTheTsaIsFlagged()
    {
        var tsa = TestTsa.Ecdsa();
        tsa.Clock = () => DateTime.UtcNow.AddHours(-1);
        using var s = Build(tsa.Reply);
        var report = await BundleVerifier.VerifyAsync(s.Bundle, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });
        var clock = report.Checks.Single(c => c.Name == "tsa dev node clock");
        Assert.Equal(CheckStatus.Fail, clock.Status);
        Assert.Contains("ahead of the TSA, so the node's own times cannot be relied on", clock.Detail);
        Assert.Contains("tolerance 1 s", clock.Detail);
        Assert.StartsWith("INVALID", report.Verdict);

        // Within the stated accuracy and tolerance it passes: the TSA 1.5 s behind, accuracy 1 s, tolerance 1 s.
        tsa.Clock = () => DateTime.UtcNow.AddMilliseconds(-1500);
        using var close = Build(tsa.Reply);
        Assert.True((await BundleVerifier.VerifyAsync(close.Bundle, new VerifyOptions { Trust = Trust(close.Log, tsa.RootPem) })).AllPassed);
    }

    /// <summary>The verdict's time is the earliest trusted one, whichever route it came by, and it names that route.</summary>
    [Fact]
    public async Task TheVerdictNamesTheEarliestTrustedTimeAndItsSource()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        var registry = new TrustedChain("31337", "0x" + new string('1', 40), "0x" + new string('4', 40), "0x" + new string('5', 64));
        var trust = new TrustFile([new TrustedLog(InMemoryLog.Origin, [s.Log.LogKey.VerifierKey.ToString()], [registry])], [], [tsa.RootPem]);
        foreach (var (blockTime, source) in new[] { (DateTimeOffset.UtcNow.AddHours(-2), "chain 31337, block 5"), (DateTimeOffset.UtcNow.AddHours(2), "TSA dev") })
        {
            var anchor = new ChainAnchor("31337", registry.Registry, registry.LogId, s.Bundle.TreeSize, "0x" + Hex.Encode(s.Log.Root()),
                "0x" + new string('2', 64), "5", "0x" + new string('3', 64), Times.ToText(blockTime));
            var report = await BundleVerifier.VerifyAsync(s.Bundle with { Anchors = [anchor] }, new VerifyOptions
            {
                Trust = trust,
                Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new ChainSays() },
            });
            Assert.True(report.AllPassed, Describe(report));
            Assert.StartsWith("VALID: ", report.Verdict);
            Assert.Contains($"existed no later than {(source.StartsWith("chain", StringComparison.Ordinal) ? Times.ToText(blockTime) : "")}", report.Verdict);
            Assert.Contains($"(source: {source}", report.Verdict);
        }
    }

    /// <summary>A chain that confirms every anchor it is asked about, so the verdict's choice of time can be seen alone.</summary>
    private sealed class ChainSays : IAnchorLookup
    {
        public Task<IReadOnlyList<Check>> CheckAsync(ChainAnchor anchor, AnchorExpectation expected, int minConfirmations, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Check>>([Check.Pass($"anchor chain {anchor.ChainId} block time", anchor.BlockTime)]);
    }

    [Fact]
    public void TheTimestampsMemberRoundTripsAndIsOptionalOnlyWhenAbsent()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        var json = s.Bundle.ToJson();
        Assert.Equal(s.Bundle.Timestamps, ProofBundle.FromJson(JsonNode.Parse(json.ToJsonString())).Timestamps);
        Assert.Equal(["tsa", "hashAlg", "token"], json["timestamps"]![0]!.AsObject().Select(kv => kv.Key));

        // A bundle written before time-stamps existed has no member: it reads as none, like a bundle not sealed yet.
        json.Remove("timestamps");
        Assert.Empty(ProofBundle.FromJson(json).Timestamps);
        json["timestamps"] = "[]";
        Assert.Equal("bundle.timestamps must be an array", Assert.Throws<AnchorException>(() => ProofBundle.FromJson(json)).Message);
        json["timestamps"] = new JsonArray(new JsonObject { ["tsa"] = "x", ["hashAlg"] = "sha256" });
        Assert.Throws<AnchorException>(() => ProofBundle.FromJson(json));
    }

    /// <summary>Every string of a time-stamped bundle, changed in one character, fails verification, except the TSA's label.</summary>
    [Fact]
    public async Task EveryFieldMutationIsCaught()
    {
        var tsa = TestTsa.Ecdsa();
        using var s = Build(tsa.Reply);
        var json = s.Bundle.ToJson();
        // The bundle's logKey and the TSA's name are labels: trust rests on the log key and TSA roots the verifier chose.
        foreach (var (path, value) in BundleMutations.StringLeaves(json).Where(l => l.Path is not ("/logKey" or "/timestamps/0/tsa")))
        {
            ProofBundle parsed;
            try { parsed = ProofBundle.FromJson(BundleMutations.With(json, path)); }
            catch (AnchorException) { continue; }
            var report = await BundleVerifier.VerifyAsync(parsed, new VerifyOptions { Trust = Trust(s.Log, tsa.RootPem) });
            Assert.True(report.AnyFailed, $"mutating {path} ('{value}') went unnoticed");
        }
    }
}
