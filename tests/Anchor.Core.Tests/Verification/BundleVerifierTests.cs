using Anchor.Core.Checkpoints;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

public class BundleVerifierTests
{
    private static readonly byte[] Document = Encoding.UTF8.GetBytes("合同 2026-001: the parties agree.");

    private static (InMemoryLog Log, ProofBundle Single, ProofBundle Batched) Build(SignatureAlg alg)
    {
        var log = new InMemoryLog();
        using var key = SigningKey.Generate(alg);
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-2026-001", Document));
        var single = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-2026-001", Document));
        var batch = log.AddBatch(key, "acme", "k1", [.. Enumerable.Range(0, 7).Select(i => InMemoryLog.NewEvidence($"c-{i}", [(byte)i]))]);
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("x", [9]));
        return (log, log.Bundle(single, key.Descriptor), log.Bundle(batch[5], key.Descriptor));
    }

    public static TheoryData<SignatureAlg> Algs() => [.. SignatureAlgs.All];

    [Theory]
    [MemberData(nameof(Algs))]
    public async Task ValidBundlesPassEveryCheck(SignatureAlg alg)
    {
        var (log, single, batched) = Build(alg);
        using var _ = log;
        var options = new VerifyOptions { File = new MemoryStream(Document), Trust = TrustFile.ForLogKey(log.LogKey.VerifierKey.ToString()) };
        var report = await BundleVerifier.VerifyAsync(single, options);
        Assert.True(report.AllPassed, string.Join("\n", report.Checks));
        Assert.StartsWith("VALID, NOT ANCHORED", report.Verdict);
        var batchReport = await BundleVerifier.VerifyAsync(batched, new VerifyOptions { Trust = Trusted(log) });
        Assert.True(batchReport.AllPassed, string.Join("\n", batchReport.Checks));
        Assert.Contains(batchReport.Checks, c => c.Name == "batch path");
    }

    private static TrustFile Trusted(InMemoryLog log, params TrustedChain[] chains) =>
        new([new TrustedLog(InMemoryLog.Origin, [log.LogKey.VerifierKey.ToString()], chains)], [], []);

    private static readonly TrustedChain Registry = new("31337", "0x" + new string('1', 40), "0x" + new string('4', 40), "0x" + new string('5', 64));

    [Fact]
    public async Task WithoutATrustRootNoVerdictSaysValid()
    {
        var (log, single, _) = Build(SignatureAlg.Ed25519);
        using var _l = log;
        var report = await BundleVerifier.VerifyAsync(single, new VerifyOptions());
        Assert.Equal(CheckStatus.NotChecked, report.Checks.Single(c => c.Name == "checkpoint signature").Status);
        Assert.Equal("UNVERIFIED: no trusted log key (pass --trust or --log-key)", report.Verdict);
        Assert.Equal(VerificationOutcome.Unverified, report.Outcome);
        Assert.Equal(3, report.ExitCode);
        Assert.False(report.AllPassed);

        var explored = await BundleVerifier.VerifyAsync(single, new VerifyOptions { AllowUntrusted = true });
        Assert.StartsWith("UNTRUSTED", explored.Verdict);
        Assert.Contains("THE BUNDLE'S OWN KEY", explored.Checks.Single(c => c.Name == "checkpoint signature").Detail);
        Assert.Equal(3, explored.ExitCode);
        Assert.False(explored.AllPassed);
    }

    /// <summary>
    /// A forger makes a key for the real origin and signs their own checkpoint: the bundle agrees with itself in every
    /// respect, and yet no verifier that chose its roots says VALID, with or without them.
    /// </summary>
    [Fact]
    public async Task ABundleSignedByAForgedLogKeyIsRefused()
    {
        var (genuine, _, _) = Build(SignatureAlg.Ed25519);
        using var _g = genuine;
        using var forged = new InMemoryLog(); // Same origin, another key.
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var index = forged.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c", Document));
        var bundle = forged.Bundle(index, key.Descriptor);

        var withTrust = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = Trusted(genuine) });
        Assert.Equal(CheckStatus.Fail, withTrust.Checks.Single(c => c.Name == "checkpoint signature").Status);
        Assert.Equal(1, withTrust.ExitCode);
        Assert.StartsWith("INVALID", withTrust.Verdict);

        var withLogKey = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = TrustFile.ForLogKey(genuine.LogKey.VerifierKey.ToString()) });
        Assert.Equal(1, withLogKey.ExitCode);

        var without = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions());
        Assert.NotEqual(0, without.ExitCode);
        Assert.DoesNotContain("VALID", without.Verdict.Replace("INVALID", "", StringComparison.Ordinal).Replace("UNVERIFIED", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALogTheTrustFileDoesNotListIsUnverified()
    {
        var (log, single, _) = Build(SignatureAlg.Ed25519);
        using var _l = log;
        using var other = NoteSigner.Generate("other.example/log");
        var trust = new TrustFile([new TrustedLog("other.example/log", [other.VerifierKey.ToString()], [])], [], []);
        var report = await BundleVerifier.VerifyAsync(single, new VerifyOptions { Trust = trust });
        Assert.Equal(VerificationOutcome.Unverified, report.Outcome);
        Assert.Equal($"UNVERIFIED: the trust file lists no log '{InMemoryLog.Origin}'", report.Verdict);
    }

    [Fact]
    public async Task AnotherDocumentFailsTheFileCheck()
    {
        var (log, single, _) = Build(SignatureAlg.Ed25519);
        using var _l = log;
        var report = await BundleVerifier.VerifyAsync(single, new VerifyOptions { File = new MemoryStream([.. Document, 0]) });
        Assert.Equal(CheckStatus.Fail, report.Checks.Single(c => c.Name == "file digest").Status);
        Assert.StartsWith("INVALID", report.Verdict);
    }

    [Fact]
    public async Task AnchorsWithoutRpcAreNotCheckedAndNeverSilentlyPass()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c", Document));
        var anchor = new ChainAnchor("31337", "0x" + new string('1', 40), Registry.LogId, log.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "0x" + Hex.Encode(log.Root()), "0x" + new string('2', 64), "5", "0x" + new string('3', 64), "2026-11-26T11:00:00.000Z");
        var bundle = log.Bundle(index, key.Descriptor, [anchor]);
        var report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = Trusted(log, Registry) });
        Assert.False(report.AllPassed);
        Assert.False(report.AnyFailed);
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(c => c.Name == "anchor chain 31337 registry").Status);
        Assert.Contains(report.Checks, c => c.Status == CheckStatus.NotChecked);
        Assert.StartsWith("VALID OFFLINE, ANCHORS NOT CHECKED", report.Verdict);
    }

    /// <summary>An anchor on a registry, chain or log ID the trust file does not list fails, whatever the chain would say.</summary>
    [Theory]
    [InlineData("registry")]
    [InlineData("chain")]
    [InlineData("logId")]
    [InlineData("none listed")]
    public async Task AnAnchorOnARegistryNobodyTrustsFails(string what)
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c", Document));
        var anchor = new ChainAnchor(Registry.ChainId, Registry.Registry, Registry.LogId, log.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "0x" + Hex.Encode(log.Root()), "0x" + new string('2', 64), "5", "0x" + new string('3', 64), "2026-11-26T11:00:00.000Z");
        anchor = what switch
        {
            "registry" => anchor with { Registry = "0x" + new string('9', 40) },
            "chain" => anchor with { ChainId = "1" },
            "logId" => anchor with { LogId = "0x" + new string('6', 64) },
            _ => anchor,
        };
        var trust = what == "none listed" ? Trusted(log) : Trusted(log, Registry);
        var report = await BundleVerifier.VerifyAsync(log.Bundle(index, key.Descriptor, [anchor]), new VerifyOptions { Trust = trust });
        Assert.Equal(CheckStatus.Fail, report.Checks.Single(c => c.Name.EndsWith(" registry", StringComparison.Ordinal)).Status);
        Assert.Equal(1, report.ExitCode);
    }

    /// <summary>Every string of a valid bundle, changed in one character, makes verification fail.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryFieldMutationIsCaught(bool batched)
    {
        var (log, single, batch) = Build(SignatureAlg.EcdsaP256Sha256);
        using var _l = log;
        var bundle = batched ? batch : single;
        var json = bundle.ToJson();
        // The bundle's logKey is information only: the verifier uses the trusted keys, whatever the bundle names.
        var paths = BundleMutations.StringLeaves(json).Where(l => l.Path != "/logKey").ToList();
        Assert.True(paths.Count > 20);
        foreach (var (path, value) in paths)
        {
            var mutated = BundleMutations.With(json, path);
            ProofBundle parsed;
            try { parsed = ProofBundle.FromJson(mutated); }
            catch (AnchorException) { continue; } // Refused at parsing: caught.
            var report = await BundleVerifier.VerifyAsync(parsed, new VerifyOptions { Trust = Trusted(log) });
            Assert.True(report.AnyFailed, $"mutating {path} ('{value}') went unnoticed");
        }
    }

    /// <summary>
    /// An operator invents a key for "acme" and signs with it. The log shows what keys it registered, so the invented
    /// key's registration must be in the log, before the record, for that provider; otherwise the bundle fails.
    /// </summary>
    [Theory]
    [InlineData("not in the log")]
    [InlineData("after the record")]
    [InlineData("another provider")]
    [InlineData("providerKey differs")]
    [InlineData("no possession")]
    public async Task AKeyTheLogDoesNotShowRegisteredFails(string forgery)
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        using var invented = SigningKey.Generate(SignatureAlg.Ed25519);
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c", Document));
        var index = log.AddSingle(invented, "acme", "k9", InMemoryLog.NewEvidence("c", Document));
        var later = log.KeyEntry(invented, "beta", "k9"); // A registration after the record.
        var bundle = log.Bundle(index, invented.Descriptor);
        var registration = bundle.KeyEntry.Entry;
        string Pop(SigningKey k, string provider, KeyDescriptor d) => Convert.ToBase64String(k.Sign(Statements.KeyRegistration(provider, "k9", d)));
        bundle = forgery switch
        {
            // A registration made up for the bundle: never appended, so it does not fold to the root.
            "not in the log" => bundle with { KeyEntry = bundle.KeyEntry with { Entry = registration with { RegisteredAt = "2026-01-01T00:00:00.000Z" } } },
            "after the record" => bundle with
            {
                Entry = bundle.Entry with { KeyEntry = later.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                KeyEntry = new KeyEntryProof(later.ToString(System.Globalization.CultureInfo.InvariantCulture), registration with { Provider = "beta", Pop = Pop(invented, "beta", invented.Descriptor) }, bundle.KeyEntry.Inclusion),
            },
            "another provider" => bundle with { KeyEntry = bundle.KeyEntry with { Entry = registration with { Provider = "beta", Pop = Pop(invented, "beta", invented.Descriptor) } } },
            "providerKey differs" => bundle with { ProviderKey = key.Descriptor.ToJson() },
            _ => bundle with { KeyEntry = bundle.KeyEntry with { Entry = registration with { Pop = Pop(key, "acme", invented.Descriptor) } } },
        };
        var report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = Trusted(log) });
        Assert.True(report.AnyFailed, string.Join("\n", report.Checks));
        Assert.Equal(1, report.ExitCode);
        Assert.Contains(report.Checks, c => c.Status == CheckStatus.Fail && c.Name.StartsWith("key registration", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUncertifiedKeyVerifiesAndTheVerdictSaysOnWhoseWord()
    {
        var (log, single, _) = Build(SignatureAlg.Ed25519);
        using var _l = log;
        var report = await BundleVerifier.VerifyAsync(single, new VerifyOptions { Trust = Trusted(log) });
        Assert.Equal(0, report.ExitCode);
        var identity = report.Checks.Single(c => c.Name == "provider identity");
        Assert.Equal(CheckStatus.Info, identity.Status);
        Assert.StartsWith("key not certified (registered by the operator at ", identity.Detail);
        Assert.Contains("rests on the operator's word", report.Verdict);
        Assert.Contains(report.Summary, l => l.Label == "who" && l.Text.Contains("not certified", StringComparison.Ordinal));
        Assert.Contains(report.Summary, l => l.Label == "trusted roots" && l.Text.Contains(Trusted(log).Fingerprint(), StringComparison.Ordinal));
    }
}
