using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;
using BcX509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace Anchor.Core.Tests.Identity;

public enum KeyFamily { Rsa, P256, Sm2 }

/// <summary>What a test certificate says about its subject, as (attribute OID, value) pairs in encoding order.</summary>
internal sealed record TestName(params (string Oid, string Value)[] Attributes)
{
    public static TestName Cn(string commonName, string country = "CN") => new(("2.5.4.6", country), ("2.5.4.3", commonName));

    public X509Name ToX509Name() => new(Attributes.Select(a => new DerObjectIdentifier(a.Oid)).ToList(), Attributes.Select(a => a.Value).ToList());
}

/// <summary>A leaf made by a test CA, with the DER of its key.</summary>
internal sealed record TestLeaf(byte[] Der, byte[] Spki)
{
    public string SerialHex => Anchor.Core.Identity.CertificateIdentity.Read(Der).SerialNumber;
}

/// <summary>An entry of a test CRL: the certificate, when it was revoked, and optionally why and since when the key was compromised.</summary>
internal sealed record TestRevocation(byte[] Certificate, DateTimeOffset At, X509RevocationReason? Reason = null, DateTimeOffset? InvalidSince = null);

/// <summary>
/// A CA of one key family, issuing with that family's tool: .NET's <see cref="CertificateRequest"/> and
/// <see cref="CertificateRevocationListBuilder"/> for RSA and P-256, BouncyCastle's generators (SM3WITHSM2) for SM2.
/// So the RSA and P-256 certificates the validator reads were encoded by another implementation than the one that
/// validates them. Validity is whatever the test asks for, even outside the issuer's own (as a forger could do).
/// </summary>
internal abstract class TestCa
{
    public static readonly X509KeyUsageFlags CaUsage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign;
    public static readonly X509KeyUsageFlags SigningUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;
    public static readonly X509KeyUsageFlags EncryptionUsage = X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment;

    public required byte[] Der { get; init; }

    public required TestName Name { get; init; }

    public abstract KeyFamily Family { get; }

    public static TestCa Root(KeyFamily family, TestName name, DateTimeOffset from, DateTimeOffset to) => family switch
    {
        KeyFamily.Sm2 => Sm2Ca.Create(name, issuer: null, from, to, CaUsage, isCa: true),
        _ => DotNetCa.Create(family, name, issuer: null, from, to, CaUsage, isCa: true),
    };

    /// <summary>A CA certificate issued by this one (with <paramref name="isCa"/> false: a certificate that may not issue, used to issue anyway).</summary>
    public abstract TestCa IssueCa(TestName name, DateTimeOffset from, DateTimeOffset to, bool isCa = true, X509KeyUsageFlags? usage = null);

    /// <summary>An end-entity certificate; <paramref name="usage"/> null leaves out the key usage extension.</summary>
    public abstract TestLeaf IssueLeaf(TestName subject, DateTimeOffset from, DateTimeOffset to, X509KeyUsageFlags? usage);

    /// <summary>A CRL of this CA, signed with its key.</summary>
    public abstract byte[] Crl(IEnumerable<TestRevocation> revoked, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate);

    /// <summary>A self-signed CA with this CA's exact name and another key: what a forger makes to pass as it.</summary>
    public TestCa Impostor(DateTimeOffset from, DateTimeOffset to) => Root(Family, Name, from, to);

    protected static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // positive
        serial[0] |= 0x10; // and 16 bytes long
        return serial;
    }
}

/// <summary>RSA-2048 (sha256WithRSAEncryption, PKCS #1 v1.5) or P-256 (ecdsa-with-SHA256) through .NET.</summary>
internal sealed class DotNetCa : TestCa
{
    private AsymmetricAlgorithm Key { get; init; } = null!;

    public override KeyFamily Family => Key is RSA ? KeyFamily.Rsa : KeyFamily.P256;

    public static DotNetCa Create(KeyFamily family, TestName name, DotNetCa? issuer, DateTimeOffset from, DateTimeOffset to, X509KeyUsageFlags usage, bool isCa, int rsaBits = 2048)
    {
        AsymmetricAlgorithm key = family == KeyFamily.Rsa ? RSA.Create(rsaBits) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        var der = (issuer ?? new DotNetCa { Der = [], Name = name, Key = key }).Sign(request, from, to);
        return new DotNetCa { Der = der, Name = name, Key = key };
    }

    /// <summary>An RSA root self-signed sha1WithRSAEncryption by BouncyCastle, as older roots are (.NET 10 no longer signs with SHA-1).</summary>
    public static DotNetCa Sha1SelfSignedRoot(TestName name, DateTimeOffset from, DateTimeOffset to)
    {
        var key = RSA.Create(2048);
        var keys = DotNetUtilities.GetRsaKeyPair(key);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BcBigInteger(1, RandomSerial()));
        generator.SetIssuerDN(name.ToX509Name());
        generator.SetSubjectDN(name.ToX509Name());
        generator.SetNotBefore(from.UtcDateTime);
        generator.SetNotAfter(to.UtcDateTime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage((int)CaUsage));
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        var der = generator.Generate(new Asn1SignatureFactory("SHA1WITHRSA", keys.Private)).GetEncoded();
        return new DotNetCa { Der = der, Name = name, Key = key };
    }

    /// <summary>An issuing CA with a small RSA key, to show that it is refused.</summary>
    public DotNetCa IssueWeakCa(TestName name, DateTimeOffset from, DateTimeOffset to, int rsaBits) =>
        Create(KeyFamily.Rsa, name, this, from, to, CaUsage, isCa: true, rsaBits);

    public override TestCa IssueCa(TestName name, DateTimeOffset from, DateTimeOffset to, bool isCa = true, X509KeyUsageFlags? usage = null) =>
        Create(Family, name, this, from, to, usage ?? CaUsage, isCa);

    public override TestLeaf IssueLeaf(TestName subject, DateTimeOffset from, DateTimeOffset to, X509KeyUsageFlags? usage)
    {
        using AsymmetricAlgorithm key = Family == KeyFamily.Rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Request(subject, key, HashAlgorithmName.SHA256);
        if (usage is { } flags) request.CertificateExtensions.Add(new X509KeyUsageExtension(flags, critical: true));
        return new TestLeaf(Sign(request, from, to), request.PublicKey.ExportSubjectPublicKeyInfo());
    }

    /// <summary>
    /// A leaf signed sha1WithRSAEncryption, only to show that it is refused. .NET 10 no longer signs certificates with
    /// SHA-1, so BouncyCastle signs it with this CA's key.
    /// </summary>
    public TestLeaf IssueSha1Leaf(TestName subject, DateTimeOffset from, DateTimeOffset to)
    {
        using var key = RSA.Create(2048);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BcBigInteger(1, RandomSerial()));
        generator.SetIssuerDN(new BcX509Certificate(Der).SubjectDN);
        generator.SetSubjectDN(subject.ToX509Name());
        generator.SetNotBefore(from.UtcDateTime);
        generator.SetNotAfter(to.UtcDateTime);
        generator.SetPublicKey(DotNetUtilities.GetRsaPublicKey(key));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage((int)SigningUsage));
        var certificate = generator.Generate(new Asn1SignatureFactory("SHA1WITHRSA", DotNetUtilities.GetRsaKeyPair((RSA)Key).Private));
        return new TestLeaf(certificate.GetEncoded(), key.ExportSubjectPublicKeyInfo());
    }

    public override byte[] Crl(IEnumerable<TestRevocation> revoked, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var entry in revoked)
        {
            Assert.Null(entry.InvalidSince); // .NET's builder cannot write an invalidity date; the SM2 CA can
            var serial = X509CertificateLoader.LoadCertificate(entry.Certificate).SerialNumberBytes.Span;
            builder.AddEntry(serial, entry.At, entry.Reason);
        }
        using var self = X509CertificateLoader.LoadCertificate(Der);
        return builder.Build(self.SubjectName, Generator(), BigInteger.One, nextUpdate, HashAlgorithmName.SHA256,
            X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(SubjectKeyId().Span), thisUpdate);
    }

    private static CertificateRequest Request(TestName name, AsymmetricAlgorithm key, HashAlgorithmName hash)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (var (oid, value) in name.Attributes.Reverse()) // the builder encodes the last attribute added first
            builder.Add(oid, value, oid is "2.5.4.6" or "2.5.4.5" ? UniversalTagNumber.PrintableString : UniversalTagNumber.UTF8String);
        var request = key is RSA rsa
            ? new CertificateRequest(builder.Build(), rsa, hash, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(builder.Build(), (ECDsa)key, hash);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request;
    }

    private byte[] Sign(CertificateRequest request, DateTimeOffset from, DateTimeOffset to)
    {
        // Signed through a generator rather than Create(issuerCertificate, …), which refuses validity outside the issuer's.
        var issuerName = Der.Length == 0 ? request.SubjectName : X509CertificateLoader.LoadCertificate(Der).SubjectName;
        var issuerKeyId = Der.Length == 0 ? new X509SubjectKeyIdentifierExtension(request.PublicKey, false).SubjectKeyIdentifierBytes : SubjectKeyId();
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(issuerKeyId.Span));
        using var certificate = request.Create(issuerName, Generator(), from, to, RandomSerial());
        return certificate.RawData;
    }

    private X509SignatureGenerator Generator() => Key is RSA rsa
        ? X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
        : X509SignatureGenerator.CreateForECDsa((ECDsa)Key);

    private ReadOnlyMemory<byte> SubjectKeyId()
    {
        using var self = X509CertificateLoader.LoadCertificate(Der);
        return self.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifierBytes;
    }
}

/// <summary>SM2 keys on sm2p256v1, certificates and CRLs signed SM3WITHSM2 by BouncyCastle (GM/T 0009 default user ID).</summary>
internal sealed class Sm2Ca : TestCa
{
    private AsymmetricCipherKeyPair Keys { get; init; } = null!;

    public override KeyFamily Family => KeyFamily.Sm2;

    public AsymmetricKeyParameter PrivateKey => Keys.Private;

    public static AsymmetricCipherKeyPair NewKeys()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    public static Sm2Ca Create(TestName name, Sm2Ca? issuer, DateTimeOffset from, DateTimeOffset to, X509KeyUsageFlags usage, bool isCa)
    {
        var keys = NewKeys();
        var generator = Generator(name, issuer, keys.Public, from, to, keys);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(isCa));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(Bits(usage)));
        var der = generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", (issuer?.Keys ?? keys).Private)).GetEncoded();
        return new Sm2Ca { Der = der, Name = name, Keys = keys };
    }

    public override TestCa IssueCa(TestName name, DateTimeOffset from, DateTimeOffset to, bool isCa = true, X509KeyUsageFlags? usage = null) =>
        Create(name, this, from, to, usage ?? CaUsage, isCa);

    public override TestLeaf IssueLeaf(TestName subject, DateTimeOffset from, DateTimeOffset to, X509KeyUsageFlags? usage)
    {
        var keys = NewKeys();
        var generator = Generator(subject, this, keys.Public, from, to, keys);
        if (usage is { } flags) generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(Bits(flags)));
        var certificate = generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", Keys.Private));
        return new TestLeaf(certificate.GetEncoded(), certificate.SubjectPublicKeyInfo.GetDerEncoded());
    }

    public override byte[] Crl(IEnumerable<TestRevocation> revoked, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        var self = new BcX509Certificate(Der);
        var generator = new X509V2CrlGenerator();
        generator.SetIssuerDN(self.SubjectDN);
        generator.SetThisUpdate(thisUpdate.UtcDateTime);
        generator.SetNextUpdate(nextUpdate.UtcDateTime);
        foreach (var entry in revoked)
        {
            var serial = new BcX509Certificate(entry.Certificate).SerialNumber;
            if (entry.InvalidSince is { } since)
                generator.AddCrlEntry(serial, entry.At.UtcDateTime, (int)(entry.Reason ?? X509RevocationReason.KeyCompromise), since.UtcDateTime);
            else generator.AddCrlEntry(serial, entry.At.UtcDateTime, entry.Reason is { } r ? (int)r : CrlReason.Unspecified);
        }
        generator.AddExtension(X509Extensions.CrlNumber, false, new CrlNumber(BcBigInteger.One));
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(self.SubjectPublicKeyInfo));
        return generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", Keys.Private)).GetEncoded();
    }

    /// <summary>A certificate signed with SM3WITHSM2 under another user ID than the GM/T 0009 default.</summary>
    public byte[] IssueLeafWithUserId(TestName subject, DateTimeOffset from, DateTimeOffset to, byte[] userId)
    {
        var keys = NewKeys();
        var generator = Generator(subject, this, keys.Public, from, to, keys);
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(Bits(SigningUsage)));
        var signer = new Org.BouncyCastle.Crypto.Signers.SM2Signer();
        var tbs = generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", Keys.Private)).CertificateStructure.TbsCertificate;
        signer.Init(true, new ParametersWithID(Keys.Private, userId));
        var encoded = tbs.GetDerEncoded();
        signer.BlockUpdate(encoded, 0, encoded.Length);
        return new X509CertificateStructure(tbs, tbs.Signature, new DerBitString(signer.GenerateSignature())).GetDerEncoded();
    }

    private static X509V3CertificateGenerator Generator(TestName subject, Sm2Ca? issuer, AsymmetricKeyParameter publicKey, DateTimeOffset from, DateTimeOffset to, AsymmetricCipherKeyPair keys)
    {
        var name = subject.ToX509Name();
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BcBigInteger(1, RandomSerial()));
        generator.SetIssuerDN(issuer is null ? name : new BcX509Certificate(issuer.Der).SubjectDN);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(from.UtcDateTime);
        generator.SetNotAfter(to.UtcDateTime);
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, X509ExtensionUtilities.CreateSubjectKeyIdentifier(keys.Public));
        var issuerKey = issuer is null ? keys.Public : issuer.Keys.Public;
        generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, X509ExtensionUtilities.CreateAuthorityKeyIdentifier(issuerKey));
        return generator;
    }

    /// <summary>.NET's flags are RFC 5280's bits in BouncyCastle's byte order, except decipherOnly (bit 8).</summary>
    private static int Bits(X509KeyUsageFlags flags) => (int)flags;
}
