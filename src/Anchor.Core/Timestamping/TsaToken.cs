using System.Formats.Asn1;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Cms;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.Tsp;
using Org.BouncyCastle.Utilities.Collections;
using Org.BouncyCastle.X509.Store;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Anchor.Core.Timestamping;

/// <summary>
/// An RFC 3161 TimeStampToken: a CMS ContentInfo holding SignedData over a TSTInfo. <see cref="Read"/> parses it
/// without trusting anything in it; each trust decision is its own check, so a report can name the one that failed:
/// <see cref="CheckImprint"/> (what was time-stamped), <see cref="CheckSignature"/> (the timeStamping EKU, then the
/// TSA's signature, the ESSCertID(v2) that binds it to the signer certificate, and that certificate's validity at
/// genTime) and <see cref="CheckChain"/> (the signer chains to roots the verifier chose, at genTime).
/// </summary>
/// <remarks>
/// Tokens signed with RSA or ECDSA are verified by System.Security.Cryptography.Pkcs (<see cref="Rfc3161TimestampToken"/>).
/// It cannot verify SM2 signatures (its decoder refuses such tokens outright), so tokens whose signer key is on the
/// SM2 curve are verified by BouncyCastle's <see cref="TimeStampToken"/>. Both only parse here: SignedCms decodes
/// any token. Chains are built by BouncyCastle's PKIX builder for both, which needs no certificate store and no
/// network and verifies SM2 certificate signatures too.
/// </remarks>
public sealed class TsaToken
{
    private const string TstInfoOid = "1.2.840.113549.1.9.16.1.4";
    private const string TimeStampingOid = "1.3.6.1.5.5.7.3.8";
    private const string Sm2CurveOid = "1.2.156.10197.1.301";
    private const string EssCertIdV2Oid = "1.2.840.113549.1.9.16.2.47";

    private readonly SignedCms _cms;
    private readonly Rfc3161TimestampTokenInfo _info;

    private TsaToken(byte[] der, SignedCms cms, Rfc3161TimestampTokenInfo info, X509Certificate2 signer)
    {
        Der = der;
        _cms = cms;
        _info = info;
        Signer = signer;
    }

    /// <summary>The token as the TSA sent it: what bundles carry, base64.</summary>
    public byte[] Der { get; }

    /// <summary>The certificate the token's one SignerInfo names, taken from the token's own certificates.</summary>
    public X509Certificate2 Signer { get; }

    public DateTimeOffset GenTime => _info.Timestamp;

    /// <summary>The accuracy the TSA states, zero when it states none.</summary>
    public TimeSpan Accuracy => _info.AccuracyInMicroseconds is { } us ? TimeSpan.FromMicroseconds(us) : TimeSpan.Zero;

    /// <summary>The latest time the TSA vouches for: genTime plus its accuracy. What was stamped existed no later than this.</summary>
    public DateTimeOffset Latest => GenTime + Accuracy;

    public string Serial => "0x" + Convert.ToHexStringLower(_info.GetSerialNumber().Span);
    public string Policy => _info.PolicyId.Value ?? "";
    public string HashOid => _info.HashAlgorithmId.Value ?? "";
    public byte[] Imprint => _info.GetMessageHash().ToArray();
    public byte[]? Nonce => _info.GetNonce()?.ToArray();

    /// <summary>True when the signer key is on the SM2 curve, so BouncyCastle, not .NET, verifies the signature.</summary>
    public bool IsSm2 => Signer.PublicKey.EncodedParameters?.RawData is { Length: > 0 } p && ReadOid(p) == Sm2CurveOid;

    /// <summary>The TSA's signature algorithm family, from its key: SM2, ECDSA or RSA (or the key's OID).</summary>
    public string SignatureKind => IsSm2 ? "SM2" : Signer.PublicKey.Oid.Value switch
    {
        "1.2.840.10045.2.1" => "ECDSA",
        "1.2.840.113549.1.1.1" or "1.2.840.113549.1.1.10" => "RSA",
        var oid => oid ?? "unknown",
    };

    /// <summary>Which certificate identifier the signer attributes carry: ESSCertIDv2 (RFC 5816) or the SHA-1 ESSCertID.</summary>
    public string CertIdKind => _cms.SignerInfos[0].SignedAttributes.Cast<CryptographicAttributeObject>().Any(a => a.Oid?.Value == EssCertIdV2Oid)
        ? "ESSCertIDv2" : "ESSCertID (SHA-1)";

    /// <summary>Parses a token; throws <see cref="TsaException"/> (Malformed) when it is not one, or carries no signer certificate.</summary>
    public static TsaToken Read(ReadOnlySpan<byte> der)
    {
        var bytes = der.ToArray();
        var cms = new SignedCms();
        try
        {
            cms.Decode(bytes);
            if (cms.ContentInfo.ContentType.Value != TstInfoOid)
                throw new TsaException(TsaFailure.Malformed, $"the signed content is {cms.ContentInfo.ContentType.Value}, not a TSTInfo");
            // RFC 3161 2.4.2: the token MUST NOT contain any signature other than the TSA's.
            if (cms.SignerInfos.Count != 1) throw new TsaException(TsaFailure.Malformed, $"the token has {cms.SignerInfos.Count} signers, want the TSA's only");
            if (!Rfc3161TimestampTokenInfo.TryDecode(cms.ContentInfo.Content, out var info, out var read) || read != cms.ContentInfo.Content.Length)
                throw new TsaException(TsaFailure.Malformed, "the TSTInfo does not decode");
            // The token is checked long after the TSA answered: it must carry its signer's certificate (certReq = true).
            var signer = cms.SignerInfos[0].Certificate
                ?? throw new TsaException(TsaFailure.Malformed, "the token does not carry the TSA's certificate (the query must set certReq)");
            // BouncyCastle hashes and verifies certificates as it re-encodes them: a BER variant of the signer's
            // certificate would pass its ESSCertID check. Only the one DER encoding is the certificate the TSA named.
            if (!IsDer(signer.RawData)) throw new TsaException(TsaFailure.Malformed, $"the TSA's certificate {signer.Subject} is not DER-encoded");
            return new TsaToken(bytes, cms, info, signer);
        }
        catch (CryptographicException e)
        {
            // SignedCms decodes lazily: a corrupt certificate surfaces only when the signer's is looked up.
            throw new TsaException(TsaFailure.Malformed, $"not a CMS SignedData with a TSTInfo and certificates that decode: {e.Message}", e);
        }
    }

    /// <summary>The token time-stamps <paramref name="digest"/> under <paramref name="hashAlg"/>.</summary>
    public void CheckImprint(string hashAlg, ReadOnlySpan<byte> digest)
    {
        var want = TsaHashAlg.Oid(hashAlg);
        if (HashOid != want)
            throw new TsaException(TsaFailure.Imprint, $"the token's imprint is {TsaHashAlg.NameOf(HashOid)}, not {hashAlg}");
        if (!digest.SequenceEqual(Imprint))
            throw new TsaException(TsaFailure.Imprint, $"the token time-stamps {hashAlg} {Convert.ToHexStringLower(Imprint)}, not {Convert.ToHexStringLower(digest)}");
    }

    /// <summary>
    /// The signer may time-stamp (exactly one extended key usage, id-kp-timeStamping, critical: RFC 3161 2.3), and the
    /// TSA's signature, its ESSCertID(v2) and the certificate's validity at genTime verify.
    /// </summary>
    public void CheckSignature()
    {
        if (!OnlyTimeStampingEku())
            throw new TsaException(TsaFailure.Eku, $"the signer {Signer.Subject} lacks the one critical timeStamping extended key usage a TSA certificate must have");
        if (IsSm2) CheckSm2Signature();
        else if (!Rfc3161TimestampToken.TryDecode(Der, out var token, out _) || !token.VerifySignatureForHash(Imprint, _info.HashAlgorithmId, out _))
            throw new TsaException(TsaFailure.Signature,
                $"the signature of {Signer.Subject}, its {CertIdKind} or the certificate's validity at genTime {GenTime:O} does not verify");
    }

    private bool OnlyTimeStampingEku()
    {
        try
        {
            var ekus = Signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
            return ekus.Count == 1 && ekus[0].Critical && ekus[0].EnhancedKeyUsages.Count == 1 && ekus[0].EnhancedKeyUsages[0].Value == TimeStampingOid;
        }
        catch (CryptographicException)
        {
            return false; // An extension that does not decode grants nothing.
        }
    }

    private void CheckSm2Signature()
    {
        try
        {
            new TimeStampToken(new CmsSignedData(Der)).Validate(new BcCertificate(Signer.RawData));
        }
        catch (Exception e)
        {
            // BouncyCastle reports a corrupt structure with many exception types (ASN.1, CMS, TSP, certificate, I/O); each
            // means the same here: the token does not verify.
            throw new TsaException(TsaFailure.Signature, $"the SM2 signature of {Signer.Subject}, its {CertIdKind} or the certificate's validity at genTime does not verify: {e.Message}", e);
        }
    }

    /// <summary>The signer chains to one of <paramref name="roots"/> (DER), with every certificate valid at genTime.</summary>
    /// <returns>The subject of the root it chains to.</returns>
    public string CheckChain(IReadOnlyList<byte[]> roots)
    {
        if (roots.Count == 0) throw new TsaException(TsaFailure.Untrusted, $"no TSA root is trusted, so {Signer.Subject} is not");
        try
        {
            var anchors = new HashSet<TrustAnchor>(roots.Select(r => new TrustAnchor(new BcCertificate(r), null)));
            var certificates = _cms.Certificates.Cast<X509Certificate2>().Select(c => new BcCertificate(c.RawData)).ToList();
            var target = new BcCertificate(Signer.RawData);
            var parameters = new PkixBuilderParameters(anchors, new X509CertStoreSelector { Certificate = target })
            {
                IsRevocationEnabled = false, // Revocation is the TSA's CRL or OCSP service: not reachable offline, years later.
                Date = GenTime.UtcDateTime,
            };
            parameters.AddStoreCert(CollectionUtilities.CreateStore(certificates));
            var result = new PkixCertPathBuilder().Build(parameters);
            return result.TrustAnchor.TrustedCert.SubjectDN.ToString();
        }
        catch (Exception e) when (e is PkixCertPathBuilderException or CertificateException or CryptographicException or ArgumentException or IOException
                                   or InvalidOperationException)
        {
            throw new TsaException(TsaFailure.Untrusted, $"{Signer.Subject} does not chain to a trusted TSA root at genTime {GenTime:O}: {e.Message}", e);
        }
    }

    /// <summary>genTime, accuracy, serial, policy and signer, as reports print them.</summary>
    public string Describe() => $"genTime {Utc(GenTime)} ({Cst(GenTime)}), accuracy {AccuracyText}, serial {Serial}, policy {Policy}, signer {Signer.Subject}";

    public string AccuracyText => Accuracy == TimeSpan.Zero ? "not stated" : "±" + Accuracy.TotalSeconds.ToString("0.######", CultureInfo.InvariantCulture) + " s";

    /// <summary>A time in UTC with milliseconds: 2026-11-26T11:00:00.123Z.</summary>
    public static string Utc(DateTimeOffset time) => Records.Times.ToText(time);

    /// <summary>A time in China Standard Time (UTC+8, no daylight saving), as Chinese courts read it.</summary>
    public static string Cst(DateTimeOffset time) =>
        time.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " China Standard Time (UTC+8)";

    private static bool IsDer(byte[] certificate)
    {
        try { return new BcCertificate(certificate).GetEncoded().AsSpan().SequenceEqual(certificate); }
        catch (Exception e) when (e is CertificateException or ArgumentException or IOException or InvalidOperationException) { return false; }
    }

    private static string? ReadOid(byte[] der)
    {
        try { return new AsnReader(der, AsnEncodingRules.DER).ReadObjectIdentifier(); }
        catch (AsnContentException) { return null; }
    }
}
