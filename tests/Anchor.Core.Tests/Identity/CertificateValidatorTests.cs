using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Identity;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Identity;

/// <summary>
/// Every check of <see cref="CertificateValidator"/> on RSA, P-256 and SM2 chains made in the test, each with the forgery
/// or mistake it exists to refuse. Dates are fixed (see <see cref="TestChains"/>), never the clock.
/// </summary>
public class CertificateValidatorTests
{
    private static readonly DateTimeOffset Record = TestChains.Record;

    private static void Refused(CertificateValidation result, string code, string detail)
    {
        Assert.False(result.Valid, result.Detail);
        Assert.Equal(code, result.Code);
        Assert.Contains(detail, result.Detail);
        Assert.DoesNotContain('\n', result.Detail);
    }

    private static CertificateValidation Validate(IReadOnlyList<byte[]> chain, TestLeaf leaf, TestCa root, DateTimeOffset at, params byte[][] crls) =>
        CertificateValidator.Validate(chain, leaf.Spki, CertificateTrust.Create([root.Der], crls), at);

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Trusted_chain_is_valid_and_names_its_subject(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var result = chain.Validate(Record);
        Assert.True(result.Valid, result.Detail);
        Assert.Null(result.Code);
        var leaf = result.Leaf!;
        Assert.Equal("Example Signing", leaf.CommonName);
        Assert.Equal("示例科技有限公司", leaf.Organization);
        Assert.Equal(TestChains.ExampleCreditCode, leaf.CreditCode);
        Assert.Equal("C=CN,CN=Example Issuing CA", leaf.Issuer);
        Assert.Equal(TestChains.LeafFrom, leaf.NotBefore);
        Assert.Equal(TestChains.LeafTo, leaf.NotAfter);
        Assert.Equal(Hex.Encode(SHA256.HashData(chain.Leaf.Der)), leaf.Fingerprint);
        Assert.Equal(Hex.Encode(SHA256.HashData(chain.Root.Der)), result.Root!.Fingerprint);
        Assert.Equal("C=CN,CN=Example Root CA", result.Root.Subject);
        Assert.False(result.RevocationChecked); // no CRL was given
        Assert.Contains("revocation not checked", result.Detail);
        Assert.Contains("USCC 91350100M000100Y43", result.Detail);

        // The root may come with the chain: a trusted copy at the end is the anchor, not a link.
        Assert.True(Validate([.. chain.Chain, chain.Root.Der], chain.Leaf, chain.Root, Record).Valid);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Chain_to_a_root_the_validator_did_not_choose_is_untrusted(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var otherRoot = TestChains.NewRoot(family, "Some Other Root");
        Refused(Validate(chain.Chain, chain.Leaf, otherRoot, Record), ErrorCodes.CertificateUntrusted, "no trusted root is named C=CN,CN=Example Root CA");
        Refused(CertificateValidator.Validate(chain.Chain, chain.Leaf.Spki, CertificateTrust.Empty, Record), ErrorCodes.CertificateUntrusted, "no CA root is trusted");
        // Without its intermediate the leaf has no path: nothing is downloaded.
        Refused(Validate([chain.Leaf.Der], chain.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "no trusted root is named C=CN,CN=Example Issuing CA");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Impostor_with_the_trusted_root_name_is_untrusted(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var fake = TestChains.Twin(chain);
        Assert.True(fake.Validate(Record).Valid); // well made: only the root differs
        Refused(Validate(fake.Chain, fake.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[1]");
        Refused(Validate([.. fake.Chain, fake.Root.Der], fake.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Roots_that_share_a_name_are_told_apart_by_their_key(KeyFamily family)
    {
        // A CA's new root generation keeps the name: both are trusted, and each chain is built to its own.
        var chain = TestChains.For(family);
        var next = TestChains.Twin(chain);
        foreach (var roots in new[] { new[] { chain.Root.Der, next.Root.Der }, [next.Root.Der, chain.Root.Der] })
        {
            var trust = CertificateTrust.Create(roots);
            var old = CertificateValidator.Validate(chain.Chain, chain.Leaf.Spki, trust, Record);
            Assert.True(old.Valid, old.Detail);
            Assert.Equal(CertificatePem.Fingerprint(chain.Root.Der), old.Root!.Fingerprint);
            var renewed = CertificateValidator.Validate(next.Chain, next.Leaf.Spki, trust, Record);
            Assert.True(renewed.Valid, renewed.Detail);
            Assert.Equal(CertificatePem.Fingerprint(next.Root.Der), renewed.Root!.Fingerprint);
            // Crossing the generations fails: the old intermediate did not issue the new leaf.
            Assert.Equal(ErrorCodes.CertificateUntrusted, CertificateValidator.Validate([next.Leaf.Der, chain.Intermediate.Der], next.Leaf.Spki, trust, Record).Code);
        }
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Leaf_with_a_broken_signature_is_untrusted(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var tampered = (byte[])chain.Leaf.Der.Clone();
        tampered[^1] ^= 0x01; // the last byte of the signature value
        Refused(Validate([tampered, chain.Intermediate.Der], chain.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[0]");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Certificate_that_may_not_issue_cannot_be_an_intermediate(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var notCa = chain.Root.IssueCa(TestName.Cn("Not A CA"), TestChains.RootFrom, TestChains.IntermediateTo, isCa: false);
        var leaf = notCa.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(Validate([leaf.Der, notCa.Der], leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[1]");

        var noCertSign = chain.Root.IssueCa(TestName.Cn("No keyCertSign"), TestChains.RootFrom, TestChains.IntermediateTo, usage: X509KeyUsageFlags.CrlSign);
        leaf = noCertSign.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(Validate([leaf.Der, noCertSign.Der], leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[1]");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Chain_must_be_leaf_first_and_parse(KeyFamily family)
    {
        var chain = TestChains.For(family);
        Refused(Validate([chain.Leaf.Der, chain.Root.Der, chain.Intermediate.Der], chain.Leaf, chain.Root, Record),
            ErrorCodes.CertificateUntrusted, "certificates[1] (C=CN,CN=Example Root CA) is not the issuer of certificates[0]");
        Refused(Validate([chain.Leaf.Der, [.. chain.Intermediate.Der, 0]], chain.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[1] is not a DER X.509 certificate");
        Refused(Validate([], chain.Leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "no certificate");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Leaf_outside_its_validity_at_the_record_time_is_expired(KeyFamily family)
    {
        var chain = TestChains.For(family);
        Refused(chain.Validate(TestChains.LeafTo.AddSeconds(1)), ErrorCodes.CertificateExpired, "certificates[0] (C=CN,O=示例科技有限公司");
        Refused(chain.Validate(TestChains.LeafFrom.AddSeconds(-1)), ErrorCodes.CertificateExpired, "is valid from 2025-01-01T00:00:00.000Z to 2026-01-01T00:00:00.000Z, not at 2024-12-31T23:59:59.000Z");
        // notBefore and notAfter are both inside the validity period (RFC 5280 4.1.2.5).
        Assert.True(chain.Validate(TestChains.LeafTo).Valid);
        Assert.True(chain.Validate(TestChains.LeafFrom).Valid);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Chain_that_expires_after_the_record_stays_valid_for_that_record(KeyFamily family)
    {
        // The leaf expired on 2026-01-01 and this test runs later: what counts is the record's time.
        var chain = TestChains.For(family);
        Assert.True(chain.Validate(Record).Valid);
        Refused(chain.Validate(TestChains.Day(2026, 6, 1)), ErrorCodes.CertificateExpired, "certificates[0]");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Expired_intermediate_or_root_expires_the_chain(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var shortIntermediate = chain.Root.IssueCa(TestName.Cn("Short Issuing CA"), TestChains.RootFrom, TestChains.Day(2025, 3, 1));
        var leaf = shortIntermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(Validate([leaf.Der, shortIntermediate.Der], leaf, chain.Root, Record), ErrorCodes.CertificateExpired, "certificates[1] (C=CN,CN=Short Issuing CA)");
        Assert.True(Validate([leaf.Der, shortIntermediate.Der], leaf, chain.Root, TestChains.Day(2025, 2, 1)).Valid);

        var shortRoot = TestCa.Root(family, TestName.Cn("Short Root"), TestChains.RootFrom, TestChains.Day(2025, 3, 1));
        var intermediate = shortRoot.IssueCa(TestName.Cn("Issuing CA"), TestChains.RootFrom, TestChains.IntermediateTo);
        leaf = intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(Validate([leaf.Der, intermediate.Der], leaf, shortRoot, Record), ErrorCodes.CertificateExpired, "the root (C=CN,CN=Short Root)");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Leaf_revoked_before_the_record_is_revoked(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var crl = chain.Intermediate.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 3, 1), X509RevocationReason.KeyCompromise)],
            TestChains.Day(2025, 3, 2), TestChains.Day(2025, 4, 2));
        Refused(chain.Validate(Record, crl), ErrorCodes.CertificateRevoked,
            $"certificates[0] (C=CN,O=示例科技有限公司,organizationIdentifier=NTRCN-{TestChains.ExampleCreditCode},CN=Example Signing, serial {chain.Leaf.SerialHex}) is revoked since 2025-03-01T00:00:00.000Z (keyCompromise) by the CRL of C=CN,CN=Example Issuing CA");
        // Before the revocation the same chain was good: records accepted then keep their signer.
        Assert.True(chain.Validate(TestChains.Day(2025, 2, 1), crl).Valid);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Revocation_after_the_record_leaves_it_valid_and_is_noted(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var crl = chain.Intermediate.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 9, 1))],
            TestChains.Day(2025, 9, 2), TestChains.Day(2025, 10, 2));
        var result = chain.Validate(Record, crl);
        Assert.True(result.Valid, result.Detail);
        Assert.Contains(result.Notes, n => n.Contains("was revoked at 2025-09-01T00:00:00.000Z", StringComparison.Ordinal) && n.Contains("after 2025-06-01T12:00:00.000Z", StringComparison.Ordinal));
        Assert.False(result.RevocationChecked); // the root published no CRL for the intermediate

        var rootCrl = chain.Root.Crl([], TestChains.Day(2025, 5, 1), TestChains.Day(2026, 5, 1));
        result = chain.Validate(Record, crl, rootCrl);
        Assert.True(result.Valid, result.Detail);
        Assert.True(result.RevocationChecked);
        Assert.Contains("not revoked by the CRLs given", result.Detail);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Crl_not_signed_by_the_issuer_revokes_nothing(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var impostor = chain.Intermediate.Impostor(TestChains.RootFrom, TestChains.IntermediateTo); // same name, other key
        var forged = impostor.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 3, 1))],
            TestChains.Day(2025, 3, 2), TestChains.Day(2025, 4, 2));
        var result = chain.Validate(Record, forged);
        Assert.True(result.Valid, result.Detail);
        Assert.Contains(result.Notes, n => n.Contains("does not verify under the key of C=CN,CN=Example Issuing CA", StringComparison.Ordinal));
        Assert.False(result.RevocationChecked);
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Root_crl_revoking_the_intermediate_revokes_the_chain(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var rootCrl = chain.Root.Crl([new(chain.Intermediate.Der, TestChains.Day(2025, 3, 1), X509RevocationReason.CACompromise)],
            TestChains.Day(2025, 3, 2), TestChains.Day(2026, 3, 2));
        Refused(chain.Validate(Record, rootCrl), ErrorCodes.CertificateRevoked, "certificates[1] (C=CN,CN=Example Issuing CA, serial");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Crl_of_an_issuer_without_crlSign_is_not_used(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var certSignOnly = chain.Root.IssueCa(TestName.Cn("No cRLSign"), TestChains.RootFrom, TestChains.IntermediateTo, usage: X509KeyUsageFlags.KeyCertSign);
        var leaf = certSignOnly.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        var crl = certSignOnly.Crl([new(leaf.Der, TestChains.Day(2025, 3, 1))],
            TestChains.Day(2025, 3, 2), TestChains.Day(2025, 4, 2));
        var result = Validate([leaf.Der, certSignOnly.Der], leaf, chain.Root, Record, crl);
        Assert.True(result.Valid, result.Detail);
        Assert.Contains(result.Notes, n => n.Contains("may not sign CRLs", StringComparison.Ordinal));
    }

    [Fact]
    public void Invalidity_date_before_the_record_revokes_though_the_revocation_came_after()
    {
        // .NET's CRL builder cannot write invalidityDate; the logic is the same for every family.
        var chain = TestChains.For(KeyFamily.Sm2);
        var crl = chain.Intermediate.Crl([new(chain.Leaf.Der, TestChains.Day(2025, 9, 1), X509RevocationReason.KeyCompromise, TestChains.Day(2025, 5, 1))],
            TestChains.Day(2025, 9, 2), TestChains.Day(2025, 10, 2));
        Refused(chain.Validate(Record, crl), ErrorCodes.CertificateRevoked, "is revoked since 2025-05-01T00:00:00.000Z (keyCompromise)");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Leaf_key_must_be_the_registered_key(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var other = chain.Intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(CertificateValidator.Validate(chain.Chain, other.Spki, chain.Trust(), Record), ErrorCodes.CertificateKeyMismatch, "is not the registered key");
        Refused(CertificateValidator.Validate(chain.Chain, [], chain.Trust(), Record), ErrorCodes.CertificateKeyMismatch, "is not the registered key");
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Key_descriptor_is_validated_with_its_own_certificates(KeyFamily family)
    {
        var chain = TestChains.For(family);
        var alg = family switch { KeyFamily.Rsa => SignatureAlg.RsaPkcs1Sha256, KeyFamily.P256 => SignatureAlg.EcdsaP256Sha256, _ => SignatureAlg.Sm2Sm3 };
        var certificates = chain.Chain.Select(Convert.ToBase64String).ToList();
        var descriptor = new KeyDescriptor(alg, Certificates: certificates);
        Assert.True(SignatureVerifier.TryCreate(descriptor, out _, out var error), error); // a descriptor the node accepts today
        var result = CertificateValidator.Validate(descriptor, chain.Trust(), Record);
        Assert.True(result.Valid, result.Detail);
        Assert.True(CertificateValidator.Validate(descriptor with { PublicKey = Convert.ToBase64String(chain.Leaf.Spki) }, chain.Trust(), Record).Valid);

        var other = chain.Intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(CertificateValidator.Validate(descriptor with { PublicKey = Convert.ToBase64String(other.Spki) }, chain.Trust(), Record),
            ErrorCodes.CertificateKeyMismatch, "is not the registered key");
        Refused(CertificateValidator.Validate(descriptor with { Alg = SignatureAlg.Ed25519 }, chain.Trust(), Record),
            ErrorCodes.CertificateKeyMismatch, "not an Ed25519 key");
        Refused(CertificateValidator.Validate(descriptor with { Certificates = ["not base64!", certificates[1]] }, chain.Trust(), Record),
            ErrorCodes.CertificateUntrusted, "certificates[0] is not standard base64");
        Assert.Throws<ArgumentException>(() => CertificateValidator.Validate(descriptor with { Certificates = null, PublicKey = certificates[0] }, chain.Trust(), Record));
    }

    [Theory]
    [MemberData(nameof(TestChains.Families), MemberType = typeof(TestChains))]
    public void Only_a_signing_certificate_is_accepted(KeyFamily family)
    {
        var chain = TestChains.For(family);
        // The encryption half of a dual-certificate pair: same subject, same CA, key usage for encryption only.
        var encryption = chain.Intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.EncryptionUsage);
        Refused(Validate([encryption.Der, chain.Intermediate.Der], encryption, chain.Root, Record), ErrorCodes.CertificateUntrusted, "dual-certificate");
        var noUsage = chain.Intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, usage: null);
        Refused(Validate([noUsage.Der, chain.Intermediate.Der], noUsage, chain.Root, Record), ErrorCodes.CertificateUntrusted, "states no key usage");
        foreach (var usage in new[] { X509KeyUsageFlags.NonRepudiation, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment })
        {
            var signing = chain.Intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, usage);
            Assert.True(Validate([signing.Der, chain.Intermediate.Der], signing, chain.Root, Record).Valid, usage.ToString());
        }
    }

    [Fact]
    public void Sha1_signature_is_refused()
    {
        var chain = TestChains.For(KeyFamily.Rsa);
        var sha1 = ((DotNetCa)chain.Intermediate).IssueSha1Leaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo);
        Refused(Validate([sha1.Der, chain.Intermediate.Der], sha1, chain.Root, Record), ErrorCodes.CertificateUntrusted,
            "certificates[0] (C=CN,O=示例科技有限公司,organizationIdentifier=NTRCN-91350100M000100Y43,CN=Example Signing) is signed with algorithm 1.2.840.113549.1.1.5, which is not accepted");
    }

    [Fact]
    public void Self_signature_of_a_trusted_root_is_not_relied_on()
    {
        // Older roots are self-signed with SHA-1; the verifier trusts the root's key by choice, not by its self-signature.
        var root = DotNetCa.Sha1SelfSignedRoot(TestName.Cn("Legacy Root"), TestChains.RootFrom, TestChains.RootTo);
        var intermediate = root.IssueCa(TestName.Cn("Issuing CA"), TestChains.RootFrom, TestChains.IntermediateTo);
        var leaf = intermediate.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Assert.True(Validate([leaf.Der, intermediate.Der], leaf, root, Record).Valid);
        Assert.True(Validate([leaf.Der, intermediate.Der, root.Der], leaf, root, Record).Valid);
        // An untrusted SHA-1 certificate in the same place is a link of the chain, and refused.
        Refused(Validate([leaf.Der, intermediate.Der, root.Der], leaf, TestChains.For(KeyFamily.Rsa).Root, Record), ErrorCodes.CertificateUntrusted, "certificates[2] (C=CN,CN=Legacy Root) is signed with algorithm 1.2.840.113549.1.1.5");
    }

    [Fact]
    public void Small_rsa_key_in_the_chain_is_refused()
    {
        var chain = TestChains.For(KeyFamily.Rsa);
        var weak = ((DotNetCa)chain.Root).IssueWeakCa(TestName.Cn("Weak Issuing CA"), TestChains.RootFrom, TestChains.IntermediateTo, rsaBits: 1024);
        var leaf = weak.IssueLeaf(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, TestCa.SigningUsage);
        Refused(Validate([leaf.Der, weak.Der], leaf, chain.Root, Record), ErrorCodes.CertificateUntrusted, "certificates[1] (C=CN,CN=Weak Issuing CA) has a 1024-bit RSA key");
    }

    [Fact]
    public void Trust_names_the_root_that_does_not_parse()
    {
        var chain = TestChains.For(KeyFamily.P256);
        var error = Assert.Throws<AnchorException>(() => CertificateTrust.Create([chain.Root.Der, [0x30, 0x00]]));
        Assert.Equal(ErrorCodes.Malformed, error.Code);
        Assert.Equal("provider root 2 is not a DER X.509 certificate", error.Detail);
        Assert.Equal("CRL 1 is not a DER X.509 CRL", Assert.Throws<AnchorException>(() => CertificateTrust.Create([chain.Root.Der], [chain.Root.Der])).Detail);

        // The trust file's PEM strings give the same trust as the DER.
        var fromPem = CertificateTrust.FromPem([CertificatePem.Encode(chain.Root.Der)]);
        Assert.Equal(1, fromPem.RootCount);
        Assert.Equal(CertificatePem.Fingerprint(chain.Root.Der), fromPem.RootIdentities[0].Fingerprint);
        Assert.True(CertificateValidator.Validate(chain.Chain, chain.Leaf.Spki, fromPem, Record).Valid);
    }
}
