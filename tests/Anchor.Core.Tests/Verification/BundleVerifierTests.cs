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
        var options = new VerifyOptions { File = new MemoryStream(Document), TrustedLogKey = log.LogKey.VerifierKey.ToString() };
        var report = await BundleVerifier.VerifyAsync(single, options);
        Assert.True(report.AllPassed, string.Join("\n", report.Checks));
        Assert.StartsWith("VALID, NOT ANCHORED", report.Verdict);
        var batchReport = await BundleVerifier.VerifyAsync(batched, new VerifyOptions());
        Assert.True(batchReport.AllPassed, string.Join("\n", batchReport.Checks));
        Assert.Contains(batchReport.Checks, c => c.Name == "batch path");
    }

    [Fact]
    public async Task WithoutATrustedKeyTheVerdictSaysSo()
    {
        var (log, single, _) = Build(SignatureAlg.Ed25519);
        using var _l = log;
        var report = await BundleVerifier.VerifyAsync(single, new VerifyOptions());
        Assert.Contains("trusted on first use", report.Checks.Single(c => c.Name == "checkpoint signature").Detail);
        Assert.Contains("not independently trusted", report.Verdict);
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
        var anchor = new ChainAnchor("31337", "0x" + new string('1', 40), EvidenceDigest.LogId(InMemoryLog.Origin), "1",
            "0x" + Hex.Encode(log.Root()), "0x" + new string('2', 64), "5", "0x" + new string('3', 64), "2026-11-26T11:00:00.000Z");
        var report = await BundleVerifier.VerifyAsync(log.Bundle(index, key.Descriptor, [anchor]), new VerifyOptions());
        Assert.False(report.AllPassed);
        Assert.False(report.AnyFailed);
        Assert.Contains(report.Checks, c => c.Status == CheckStatus.NotChecked);
        Assert.StartsWith("VALID OFFLINE, ANCHORS NOT CHECKED", report.Verdict);
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
        var paths = BundleMutations.StringLeaves(json).ToList();
        Assert.True(paths.Count > 20);
        foreach (var (path, value) in paths)
        {
            var mutated = BundleMutations.With(json, path);
            ProofBundle parsed;
            try { parsed = ProofBundle.FromJson(mutated); }
            catch (AnchorException) { continue; } // Refused at parsing: caught.
            var report = await BundleVerifier.VerifyAsync(parsed, new VerifyOptions());
            Assert.True(report.AnyFailed, $"mutating {path} ('{value}') went unnoticed");
        }
    }
}
