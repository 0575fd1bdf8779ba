using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// A provider key certified by a CA: the verifier checks the chain against the trust file's providerRoots at the
/// record's time, and names the certified subject; a chain from another CA, or one expired at the record, fails.
/// </summary>
public class CertifiedKeyTests
{
    private static readonly DateTimeOffset Registered = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Received = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static async Task<VerificationReport> VerifyAsync(InMemoryLog log, ProofBundle bundle, params string[] providerRoots) =>
        await BundleVerifier.VerifyAsync(bundle, new VerifyOptions
        {
            Trust = new TrustFile([new TrustedLog(InMemoryLog.Origin, [log.LogKey.VerifierKey.ToString()], [])], providerRoots, []),
        });

    private static ProofBundle Certified(InMemoryLog log, ProviderCa ca, DateTimeOffset from, DateTimeOffset to)
    {
        var (key, descriptor) = ca.Certify(from, to);
        using (key)
        {
            log.KeyEntry(key, "acme", "k1", descriptor, Registered);
            var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c", [1]), Received);
            return log.Bundle(index, descriptor);
        }
    }

    [Fact]
    public async Task AChainToATrustedCaNamesTheCertifiedSubject()
    {
        using var log = new InMemoryLog();
        using var ca = new ProviderCa();
        // The leaf expires after the record was received (and before today): it stays valid for that record.
        var bundle = Certified(log, ca, new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2025, 12, 31, 0, 0, 0, TimeSpan.Zero));
        var report = await VerifyAsync(log, bundle, ca.Pem);
        Assert.True(report.AllPassed, string.Join("\n", report.Checks));
        var identity = report.Checks.Single(c => c.Name == "provider identity");
        Assert.Equal(CheckStatus.Pass, identity.Status);
        Assert.Contains("CN=Acme Signing", identity.Detail, StringComparison.Ordinal);
        Assert.Contains(report.Summary, l => l.Label == "who" && l.Text.Contains("certified: CN=Acme Signing", StringComparison.Ordinal));
        Assert.DoesNotContain("operator's word", report.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChainFromAnotherCaFailsEvenUnderTheSameName()
    {
        using var log = new InMemoryLog();
        using var ca = new ProviderCa();
        using var impostor = new ProviderCa(); // Same distinguished name, another key.
        var bundle = Certified(log, impostor, new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var report = await VerifyAsync(log, bundle, ca.Pem);
        var identity = report.Checks.Single(c => c.Name == "provider identity");
        Assert.Equal(CheckStatus.Fail, identity.Status);
        Assert.StartsWith("certificate_untrusted", identity.Detail, StringComparison.Ordinal);
        Assert.Equal(1, report.ExitCode);
        // No provider roots at all: no CA vouches for it either.
        Assert.Equal(CheckStatus.Fail, (await VerifyAsync(log, bundle)).Checks.Single(c => c.Name == "provider identity").Status);
    }

    [Fact]
    public async Task AChainExpiredBeforeTheRecordFails()
    {
        using var log = new InMemoryLog();
        using var ca = new ProviderCa();
        var bundle = Certified(log, ca, new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new(2025, 5, 1, 0, 0, 0, TimeSpan.Zero));
        var identity = (await VerifyAsync(log, bundle, ca.Pem)).Checks.Single(c => c.Name == "provider identity");
        Assert.Equal(CheckStatus.Fail, identity.Status);
        Assert.StartsWith("certificate_expired at the record", identity.Detail, StringComparison.Ordinal);
    }
}
