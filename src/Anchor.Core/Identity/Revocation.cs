using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// Revocation by the CRLs the validator was given, for a chain already built to a trusted root. Done here rather than by
/// .NET's X509Chain (which only reads CRLs from its own per-user disk cache or downloads them) or by BouncyCastle's PKIX
/// revocation (which fails every certificate that has no CRL, and judges CRL freshness against the clock):
/// <list type="bullet">
/// <item>A CRL counts for a certificate only if it names the certificate's issuer, is signed by that issuer's key (the
/// next certificate up, or the root) with an accepted algorithm, the issuer may sign CRLs, and it is not indirect. Any
/// other CRL is left out and said so in the notes: a forged CRL must not revoke, and a CA's CRL from another key
/// generation (same name, new key) legitimately does not apply.</item>
/// <item>A listed certificate is revoked from its revocation date, or from the invalidity date (when the key is known to
/// have been compromised) if that is earlier. It is revoked at the validation time only if that date is not after it:
/// evidence accepted before a revocation keeps its signer, as a signature made before revocation stays valid.</item>
/// <item>A CRL's thisUpdate and nextUpdate are not compared with the validation time: a CRL issued after the record
/// knows more, not less, and which CRLs are current is the concern of whoever collects them.</item>
/// </list>
/// No CRL for an issuer means revocation was not checked for that certificate (<see cref="Outcome.AllCovered"/>), not a failure.
/// </summary>
internal static class Revocation
{
    /// <param name="Revoked">Null, or the line saying which certificate was revoked when and by which CRL.</param>
    /// <param name="AllCovered">Every certificate of the path had at least one CRL that counts.</param>
    public sealed record Outcome(string? Revoked, bool AllCovered, IReadOnlyList<string> Notes);

    /// <param name="path">The chain from the leaf up, without a copy of the root; <paramref name="root"/> issued the last.</param>
    public static Outcome Check(IReadOnlyList<X509Certificate> path, X509Certificate root, IReadOnlyList<X509Crl> crls, DateTime at)
    {
        var notes = new List<string>();
        var allCovered = true;
        for (var i = 0; i < path.Count; i++)
        {
            var certificate = path[i];
            var issuer = i + 1 < path.Count ? path[i + 1] : root;
            var covered = false;
            foreach (var crl in crls)
            {
                if (!crl.IssuerDN.Equivalent(certificate.IssuerDN, true)) continue;
                if (Unusable(crl, issuer) is { } why)
                {
                    notes.Add($"a CRL of {crl.IssuerDN} (thisUpdate {Text(crl.ThisUpdate)}) was not used: {why}");
                    continue;
                }
                covered = true;
                if (RevokedSince(crl, certificate.SerialNumber) is not { } since) continue;
                var what = $"certificates[{i}] ({certificate.SubjectDN}, serial {Hex.Encode(certificate.SerialNumber.ToByteArrayUnsigned())})";
                if (since.Time <= at)
                {
                    var revoked = $"{what} is revoked since {Text(since.Time)}{since.Reason} by the CRL of {crl.IssuerDN} issued {Text(crl.ThisUpdate)}";
                    return new Outcome(revoked, allCovered, notes);
                }
                notes.Add($"{what} was revoked at {Text(since.Time)}{since.Reason}, after {Text(at)}");
            }
            allCovered &= covered;
        }
        return new Outcome(null, allCovered, notes);
    }

    private static string? Unusable(X509Crl crl, X509Certificate issuer)
    {
        if (CertificateAlgorithms.Refusal(crl.SignatureAlgorithm) is { } refusal) return "it " + refusal;
        try
        {
            if (crl.GetExtensionParsedValue(X509Extensions.IssuingDistributionPoint) is { } idp && IssuingDistributionPoint.GetInstance(idp).IsIndirectCrl)
                return "indirect CRLs (entries for other issuers) are not supported";
        }
        catch (Exception) // a malformed extension: BouncyCastle throws several types
        {
            return "its issuingDistributionPoint extension is malformed";
        }
        if (issuer.GetKeyUsage() is { } usage && !usage[6])
            return $"its issuer ({issuer.SubjectDN}) may not sign CRLs (no cRLSign key usage)";
        bool verifies;
        try
        {
            verifies = crl.IsSignatureValid(issuer.GetPublicKey());
        }
        catch (Exception) // a key that does not fit the algorithm: BouncyCastle throws several types
        {
            verifies = false;
        }
        return verifies ? null : $"it does not verify under the key of {issuer.SubjectDN}";
    }

    /// <summary>RFC 5280's CRLReason names, by value (7 is unused).</summary>
    private static readonly string[] Reasons =
    [
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded", "cessationOfOperation",
        "certificateHold", "7", "removeFromCRL", "privilegeWithdrawn", "aACompromise",
    ];

    /// <summary>When the CRL says the certificate stopped being trustworthy, or null when it does not list it.</summary>
    private static (DateTime Time, string Reason)? RevokedSince(X509Crl crl, BigInteger serial)
    {
        foreach (var entry in crl.CertificateList.GetRevokedCertificateEnumeration())
        {
            if (!entry.UserCertificate.HasValue(serial)) continue;
            var time = entry.RevocationDate.ToDateTime();
            int? reason = null;
            try
            {
                if (entry.Extensions?.GetExtension(X509Extensions.ReasonCode) is { } reasonCode)
                    reason = DerEnumerated.GetInstance(reasonCode.GetParsedValue()).IntValueExact;
                if (entry.Extensions?.GetExtension(X509Extensions.InvalidityDate) is { } invalidity
                    && Asn1GeneralizedTime.GetInstance(invalidity.GetParsedValue()).ToDateTime() is var compromised && compromised < time)
                    time = compromised;
            }
            catch (Exception) // malformed entry extensions in a CRL its issuer signed: the listing alone still revokes
            {
            }
            if (reason == CrlReason.RemoveFromCrl) continue; // a delta CRL lifting a hold
            return (time, reason is >= 0 and < 11 ? $" ({Reasons[reason.Value]})" : "");
        }
        return null;
    }

    private static string Text(DateTime utc) => Records.Times.ToText(new DateTimeOffset(utc, TimeSpan.Zero));
}
