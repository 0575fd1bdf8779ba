using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>Receipts are proofs: each is checked against the verifier's trusted log key, and every forgery is refused.</summary>
public class ReceiptVerifierTests : IDisposable
{
    private readonly InMemoryLog _log = new();
    private readonly SigningKey _provider = SigningKey.Generate(SignatureAlg.Ed25519);
    private readonly ulong _single;
    private readonly List<ulong> _batch;

    public ReceiptVerifierTests()
    {
        _single = _log.AddSingle(_provider, "acme", "k1", InMemoryLog.NewEvidence("c-1", [1, 2, 3]));
        _batch = _log.AddBatch(_provider, "acme", "k1", [.. Enumerable.Range(0, 13).Select(i => InMemoryLog.NewEvidence($"c-{i}", [(byte)i]))]);
        _log.AddSingle(_provider, "acme", "k1", InMemoryLog.NewEvidence("c-after", [9]));
    }

    private VerifyOptions Trusted => new() { Trust = TrustFile.ForLogKey(_log.LogKey.VerifierKey.ToString()) };

    private static string Flip(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];

    [Fact]
    public void AGenuineReceiptIsValidAgainstTheTrustedKey()
    {
        var report = ReceiptVerifier.Verify(_log.Receipt(_single), Trusted, _log.Entry(_single));
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Name} {c.Status} {c.Detail}")));
        Assert.Equal(0, report.ExitCode);
        Assert.StartsWith("VALID", report.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void AGenuineBatchReceiptIsValid()
    {
        var report = ReceiptVerifier.Verify(_log.BatchReceipt(_batch[0], (ulong)_batch.Count), Trusted);
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Name} {c.Status} {c.Detail}")));
    }

    [Fact]
    public void WithoutATrustedRootNothingIsVerified()
    {
        var report = ReceiptVerifier.Verify(_log.Receipt(_single), new VerifyOptions());
        Assert.Equal(VerificationOutcome.Unverified, report.Outcome);
        Assert.Equal(3, report.ExitCode);
        // A receipt names no key of its own, so even --allow-untrusted has nothing to check it with.
        Assert.Equal(3, ReceiptVerifier.Verify(_log.Receipt(_single), new VerifyOptions { AllowUntrusted = true }).ExitCode);
    }

    [Fact]
    public void AReceiptSignedByAnotherKeyIsRefused()
    {
        using var forger = NoteSigner.Generate(InMemoryLog.Origin);
        var genuine = _log.Receipt(_single);
        var note = forger.Sign(Checkpoint.ParseBody(genuine.Checkpoint[..(genuine.Checkpoint.IndexOf("\n\n", StringComparison.Ordinal) + 1)]));
        var report = ReceiptVerifier.Verify(genuine with { Checkpoint = note }, Trusted);
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);
        Assert.Contains(report.Checks, c => c.Name == "checkpoint signature" && c.Status == CheckStatus.Fail);
    }

    [Fact]
    public void EveryTamperedMemberIsRefused()
    {
        var r = _log.Receipt(_single);
        var entry = _log.Entry(_single);
        Receipt[] forged =
        [
            r with { LeafHash = Flip(r.LeafHash) },
            r with { LeafIndex = (_single + 1).ToString() },
            r with { TreeSize = (_log.Size - 1).ToString() },
            r with { Inclusion = [Flip(r.Inclusion[0]), .. r.Inclusion.Skip(1)] },
            r with { Inclusion = [.. r.Inclusion.Skip(1)] },
            r with { Origin = "other.log/x" },
            r with { LeafIndex = "01" },
        ];
        foreach (var f in forged)
            Assert.Equal(VerificationOutcome.Invalid, ReceiptVerifier.Verify(f, Trusted).Outcome);
        // The leaf hash must be the answer's entry's: another entry under a genuine receipt is refused.
        Assert.Equal(VerificationOutcome.Invalid, ReceiptVerifier.Verify(r, Trusted, _log.Entry(_batch[0])).Outcome);
        Assert.Equal(VerificationOutcome.Valid, ReceiptVerifier.Verify(r, Trusted, entry).Outcome);
    }

    [Fact]
    public void EveryTamperedBatchMemberIsRefused()
    {
        var r = _log.BatchReceipt(_batch[0], (ulong)_batch.Count);
        BatchReceipt[] forged =
        [
            r with { LeafHashes = [Flip(r.LeafHashes[0]), .. r.LeafHashes.Skip(1)] },
            r with { LeafHashes = [r.LeafHashes[1], r.LeafHashes[0], .. r.LeafHashes.Skip(2)] },
            r with { LeafHashes = [.. r.LeafHashes.SkipLast(1)] },
            r with { Count = (_batch.Count - 1).ToString() },
            r with { FirstIndex = (_batch[0] + 1).ToString() },
            r with { Left = [Flip(r.Left[0]), .. r.Left.Skip(1)] },
            r with { Right = [Flip(r.Right[0]), .. r.Right.Skip(1)] },
            r with { Right = [] },
            r with { TreeSize = (_log.Size + 1).ToString() },
        ];
        foreach (var f in forged)
            Assert.Equal(VerificationOutcome.Invalid, ReceiptVerifier.Verify(f, Trusted).Outcome);
    }

    public void Dispose()
    {
        _log.Dispose();
        _provider.Dispose();
    }
}
