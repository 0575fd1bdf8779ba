using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cmp;
using Org.BouncyCastle.Asn1.Ess;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.Tsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using CmsAttributeTable = Org.BouncyCastle.Asn1.Cms.AttributeTable;

namespace Anchor.Core.Tests.Timestamping;

/// <summary>What a test TSA does wrong on purpose.</summary>
public enum TsaFault
{
    None,
    /// <summary>Signs another digest than the one asked for (same nonce).</summary>
    WrongImprint,
    /// <summary>Signs the digest asked for under another nonce: a replayed or mixed-up answer.</summary>
    WrongNonce,
    /// <summary>Signs with a certificate of the same CA that lacks the timeStamping extended key usage.</summary>
    NoEku,
    /// <summary>Answers PKIStatus rejection.</summary>
    Rejected,
    /// <summary>Answers under its own policy, not the one asked for.</summary>
    OtherPolicy,
}

/// <summary>
/// A TSA built in the test with BouncyCastle's <see cref="TimeStampTokenGenerator"/>: an ECDSA P-256 one, or an SM2 one
/// signing SM3withSM2 (OpenSSL 3.0 cannot sign SM2 replies). The generator is built with a SHA-256 digest factory, so
/// it writes ESSCertIDv2 (RFC 5816); its other constructors write the SHA-1 ESSCertID. Each TSA has its own CA.
/// </summary>
public sealed class TestTsa
{
    private static readonly SecureRandom Random = new();
    private readonly AsymmetricKeyParameter _key;
    private readonly AsymmetricKeyParameter _noEkuKey;
    private readonly X509Certificate _noEkuCert;
    private readonly string _signatureAlg;
    private long _serial;

    private TestTsa(string name, DerObjectIdentifier curve, string signatureAlg)
    {
        _signatureAlg = signatureAlg;
        var caKeys = KeyPair(curve);
        var caName = new X509Name($"O=Anchor tests,CN={name} root");
        Root = Certificate(caName, caName, caKeys.Public, caKeys.Private, ca: true, eku: false);
        var keys = KeyPair(curve);
        _key = keys.Private;
        Signer = Certificate(caName, new X509Name($"O=Anchor tests,CN={name}"), keys.Public, caKeys.Private, ca: false, eku: true);
        var noEku = KeyPair(curve);
        _noEkuKey = noEku.Private;
        _noEkuCert = Certificate(caName, new X509Name($"O=Anchor tests,CN={name} without EKU"), noEku.Public, caKeys.Private, ca: false, eku: false);
    }

    public static TestTsa Ecdsa(string name = "Test ECDSA TSA") => new(name, SecObjectIdentifiers.SecP256r1, "SHA256WITHECDSA");
    public static TestTsa Sm2(string name = "Test SM2 TSA") => new(name, GMObjectIdentifiers.sm2p256v1, "SM3WITHSM2");

    public X509Certificate Root { get; }
    public X509Certificate Signer { get; }
    public byte[] RootDer => Root.GetEncoded();
    public string RootPem => Anchor.Core.Verification.CertificatePem.Encode(RootDer);

    public TsaFault Fault { get; set; }

    /// <summary>The TSA's clock: the machine's unless a test sets it.</summary>
    public Func<DateTime> Clock { get; set; } = () => DateTime.UtcNow;

    public const string Policy = "1.2.3.4.5.6";

    /// <summary>The DER TimeStampResp answering a DER TimeStampReq.</summary>
    public byte[] Reply(byte[] query)
    {
        var request = new TimeStampRequest(query);
        if (Fault == TsaFault.Rejected)
            return new TimeStampResp(new PkiStatusInfo((int)PkiStatus.Rejection, new PkiFreeText("rejected by the test")), null).GetEncoded();
        var serial = BigInteger.ValueOf(Interlocked.Increment(ref _serial));
        var genTime = Clock();
        var nonce = request.Nonce ?? BigInteger.One;
        var digest = request.GetMessageImprintDigest();
        Org.BouncyCastle.Asn1.Cms.ContentInfo token = Fault switch
        {
            TsaFault.WrongImprint => Generate(Query(request.MessageImprintAlgOid, Flip(digest), nonce), serial, genTime),
            TsaFault.WrongNonce => Generate(Query(request.MessageImprintAlgOid, digest, nonce.Add(BigInteger.One)), serial, genTime),
            TsaFault.NoEku => WithoutEku(request, serial, genTime),
            TsaFault.OtherPolicy => Generate(Query(request.MessageImprintAlgOid, digest, nonce), serial, genTime),
            _ => Generate(request, serial, genTime),
        };
        return new TimeStampResp(new PkiStatusInfo((int)PkiStatus.Granted), token).GetEncoded();
    }

    private Org.BouncyCastle.Asn1.Cms.ContentInfo Generate(TimeStampRequest request, BigInteger serial, DateTime genTime)
    {
        var signerInfo = new SignerInfoGeneratorBuilder().Build(new Asn1SignatureFactory(_signatureAlg, _key, Random), Signer);
        var sha256 = new Asn1DigestFactory(DigestUtilities.GetDigest(NistObjectIdentifiers.IdSha256), NistObjectIdentifiers.IdSha256);
        var generator = new TimeStampTokenGenerator(signerInfo, sha256, new DerObjectIdentifier(Policy), false)
        {
            Resolution = Resolution.R_MILLISECONDS,
        };
        generator.SetAccuracySeconds(1);
        generator.SetCertificates(CollectionUtilities.CreateStore(new[] { Signer }));
        return generator.Generate(request, serial, genTime).ToCmsSignedData().ContentInfo;
    }

    /// <summary>
    /// TimeStampTokenGenerator refuses a certificate without the EKU, as OpenSSL does: this token is put together by hand,
    /// with the same TSTInfo and ESSCertIDv2 a TSA would write.
    /// </summary>
    private Org.BouncyCastle.Asn1.Cms.ContentInfo WithoutEku(TimeStampRequest request, BigInteger serial, DateTime genTime)
    {
        var imprint = new MessageImprint(new AlgorithmIdentifier(new DerObjectIdentifier(request.MessageImprintAlgOid), DerNull.Instance), request.GetMessageImprintDigest());
        var info = new TstInfo(new DerObjectIdentifier(request.ReqPolicy ?? Policy), imprint, new DerInteger(serial), new Asn1GeneralizedTime(genTime),
            new Accuracy(DerInteger.One, null, null), null, request.Nonce is null ? null : new DerInteger(request.Nonce), null, null);
        var certId = new SigningCertificateV2(new EssCertIDv2(SHA256.HashData(_noEkuCert.GetEncoded())));
        var attributes = new Dictionary<DerObjectIdentifier, object>
        {
            [PkcsObjectIdentifiers.IdAASigningCertificateV2] = new CmsAttribute(PkcsObjectIdentifiers.IdAASigningCertificateV2, new DerSet(certId)),
        };
        var cms = new CmsSignedDataGenerator();
        cms.AddSignerInfoGenerator(new SignerInfoGeneratorBuilder()
            .WithSignedAttributeGenerator(new DefaultSignedAttributeTableGenerator(new CmsAttributeTable(attributes)))
            .Build(new Asn1SignatureFactory(_signatureAlg, _noEkuKey, Random), _noEkuCert));
        cms.AddCertificates(CollectionUtilities.CreateStore(new[] { _noEkuCert }));
        return cms.Generate(new CmsProcessableByteArray(PkcsObjectIdentifiers.IdCTTstInfo, info.GetDerEncoded()), true).ContentInfo;
    }

    private static TimeStampRequest Query(string hashOid, byte[] digest, BigInteger nonce)
    {
        var generator = new TimeStampRequestGenerator();
        generator.SetCertReq(true);
        return generator.Generate(hashOid, digest, nonce);
    }

    private static byte[] Flip(byte[] digest)
    {
        var copy = (byte[])digest.Clone();
        copy[0] ^= 0x01;
        return copy;
    }

    private static AsymmetricCipherKeyPair KeyPair(DerObjectIdentifier curve)
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(curve, Random));
        return generator.GenerateKeyPair();
    }

    private X509Certificate Certificate(X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey, AsymmetricKeyParameter issuerKey, bool ca, bool eku)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigInteger.ValueOf(System.Random.Shared.NextInt64(1, long.MaxValue)));
        generator.SetIssuerDN(issuer);
        generator.SetSubjectDN(subject);
        // Valid from long before any clock a test sets, so only the tests that mean to probe validity hit its edges.
        generator.SetNotBefore(DateTime.UtcNow.AddYears(-2));
        generator.SetNotAfter(DateTime.UtcNow.AddYears(2));
        generator.SetPublicKey(publicKey);
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(ca));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(ca ? KeyUsage.KeyCertSign | KeyUsage.CrlSign : KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        if (eku) generator.AddExtension(X509Extensions.ExtendedKeyUsage, true, new ExtendedKeyUsage(KeyPurposeID.id_kp_timeStamping));
        return generator.Generate(new Asn1SignatureFactory(_signatureAlg, issuerKey, Random));
    }
}
