using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Identity;
using Anchor.Core.Records;

namespace Anchor.Core.Tests.Identity;

/// <summary>
/// OpenSSL 3.0 must reach the same pass or fail as <see cref="CertificateValidator"/> on the same certificates, CRLs and
/// time (<c>-attime</c>): a trusted chain, a forged root, an expired leaf, a revoked leaf. SM2 goes through OpenSSL's
/// distinguishing-ID options, as <see cref="OpenSslCli"/> explains.
/// </summary>
public sealed class OpenSslCrossCheckTests : IDisposable
{
    private static readonly DateTimeOffset Record = TestChains.Record;
    private readonly OpenSslCli _openssl = new();

    public void Dispose() => _openssl.Dispose();

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Trusted_chain_passes_both_and_openssl_reads_the_same_identity(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var ours = chain.Validate(Record);
        Assert.True(ours.Valid, ours.Detail);
        var (ok, output) = _openssl.VerifyChain(family, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, Record);
        Assert.True(ok, output);

        var shown = _openssl.Run("x509", "-in", _openssl.Pem("shown.pem", chain.Leaf.Der), "-noout", "-serial", "-subject", "-nameopt", "utf8,sep_comma_plus,sname");
        Assert.True(shown.Exit == 0, shown.Output);
        Assert.Contains("serial=" + ours.Leaf!.SerialNumber.ToUpperInvariant(), shown.Output);
        Assert.Contains("CN=Example Signing", shown.Output);
        Assert.Contains("O=示例科技有限公司", shown.Output);
        Assert.Contains("organizationIdentifier=NTRCN-" + TestChains.ExampleCreditCode, shown.Output);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Chain_under_an_impostor_root_fails_both(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var fake = TestChains.Twin(chain);
        Assert.Equal(ErrorCodes.CertificateUntrusted, CertificateValidator.Validate(fake.Chain, fake.Leaf.Spki, chain.Trust(), Record).Code);
        var (ok, output) = _openssl.VerifyChain(family, chain.Root.Der, fake.Intermediate.Der, fake.Leaf.Der, Record);
        Assert.False(ok, output); // "unable to get local issuer certificate": the authority key ID names another key
        // And both accept the forged chain under the forger's own root: only the root makes the difference.
        Assert.True(fake.Validate(Record).Valid);
        Assert.True(_openssl.VerifyChain(family, fake.Root.Der, fake.Intermediate.Der, fake.Leaf.Der, Record).Ok);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Leaf_expired_at_the_record_time_fails_both(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var late = TestChains.LeafTo.AddDays(1);
        Assert.Equal(ErrorCodes.CertificateExpired, chain.Validate(late).Code);
        var (ok, output) = _openssl.VerifyChain(family, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, late);
        Assert.False(ok, output);
        Assert.Contains("certificate has expired", output);

        var early = TestChains.LeafFrom.AddDays(-1);
        Assert.Equal(ErrorCodes.CertificateExpired, chain.Validate(early).Code);
        (ok, output) = _openssl.VerifyChain(family, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, early);
        Assert.False(ok, output);
        Assert.Contains("certificate is not yet valid", output);
    }

    [Theory]
    [InlineData(KeyFamily.Rsa)]
    [InlineData(KeyFamily.P256)]
    public void Revoked_leaf_fails_both(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var (thisUpdate, nextUpdate) = (TestChains.Day(2025, 3, 2), TestChains.Day(2025, 12, 2));
        var crl = chain.Intermediate.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 3, 1), X509RevocationReason.KeyCompromise)], thisUpdate, nextUpdate);
        Assert.Equal(ErrorCodes.CertificateRevoked, chain.Validate(Record, crl).Code);
        var (ok, output) = _openssl.VerifyChain(family, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, Record, crl);
        Assert.False(ok, output);
        Assert.Contains("certificate revoked", output);

        // The same check with a CRL that lists nothing passes both: OpenSSL did read and verify the CRL.
        var empty = chain.Intermediate.Crl([], thisUpdate, nextUpdate);
        Assert.True(chain.Validate(Record, empty).Valid);
        Assert.True(_openssl.VerifyChain(family, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, Record, empty).Ok);
    }

    [Fact]
    public void Revoked_sm2_leaf_is_listed_by_a_crl_openssl_verifies()
    {
        var chain = TestChains.For(KeyFamily.Sm2);
        var crl = chain.Intermediate.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 3, 1), X509RevocationReason.KeyCompromise)],
            TestChains.Day(2025, 3, 2), TestChains.Day(2025, 12, 2));
        Assert.Equal(ErrorCodes.CertificateRevoked, chain.Validate(Record, crl).Code);
        // Without the CRL OpenSSL passes the chain (so revocation is the only fault) ...
        Assert.True(_openssl.VerifyChain(KeyFamily.Sm2, chain.Root.Der, chain.Intermediate.Der, chain.Leaf.Der, Record).Ok);
        // ... and it finds the CRL signed by the intermediate's key under the GM/T 0009 ID, listing the leaf.
        var (verifies, lists, output) = _openssl.CheckSm2Crl(crl, chain.Intermediate.Der, chain.Leaf.SerialHex);
        Assert.True(verifies, output);
        Assert.True(lists, output);

        // A CRL of the same name under another key: OpenSSL refuses its signature, and it revokes nothing for us.
        var forged = chain.Intermediate.Impostor(TestChains.RootFrom, TestChains.IntermediateTo).Crl(
            [new(chain.Leaf.Der, TestChains.Day(2025, 3, 1))], TestChains.Day(2025, 3, 2), TestChains.Day(2025, 12, 2));
        Assert.False(_openssl.CheckSm2Crl(forged, chain.Intermediate.Der, chain.Leaf.SerialHex).Verifies);
        Assert.True(chain.Validate(Record, forged).Valid);
    }
}
