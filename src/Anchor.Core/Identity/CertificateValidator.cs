using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// Decides whether a provider key's certificate chain binds the key to the subject it names, at a given time, under the
/// roots and CRLs the caller trusts. The checks run in this order and the first failure is the answer:
/// <list type="number">
/// <item>every certificate parses (else <c>certificate_untrusted</c>);</item>
/// <item>the leaf's key is the registered key (<c>certificate_key_mismatch</c>);</item>
/// <item>the leaf is for signatures: its key usage has digitalSignature or nonRepudiation. The encryption certificate of a
/// Chinese dual-certificate pair (keyEncipherment, dataEncipherment, keyAgreement only), or a leaf without key usage, is
/// refused (<c>certificate_untrusted</c>);</item>
/// <item>the chain is in order, leaf first, each certificate issued by the next; signatures use accepted algorithms
/// and RSA keys have at least 2048 bits (<c>certificate_untrusted</c>);</item>
/// <item>RFC 5280 path validation by BouncyCastle from a trusted root down, certificate by certificate: signature
/// (<c>certificate_untrusted</c>), validity at the time (<c>certificate_expired</c>, also when not yet valid), names,
/// basic constraints, key usage keyCertSign, path length, name constraints, critical extensions (<c>certificate_untrusted</c>);</item>
/// <item>the root itself is valid at the time (<c>certificate_expired</c>), as OpenSSL and .NET require;</item>
/// <item>no CRL that counts lists a certificate of the chain as revoked at the time (<c>certificate_revoked</c>; see <see cref="Revocation"/>).</item>
/// </list>
/// One implementation serves RSA, P-256 and SM2 chains alike. .NET's X509Chain could build the RSA and P-256 ones, but
/// it cannot take CRLs from memory, and on Linux it verifies SM3withSM2 through OpenSSL under the empty user ID, so a
/// certificate signed as Chinese CAs sign fails there with NotSignatureValid. Two validators would then have to agree;
/// this is one. BouncyCastle verifies SM3withSM2 with the GM/T 0009 default user ID 1234567812345678.
/// No I/O: the caller reads the files, the validation time comes from the record, and nothing is downloaded.
/// </summary>
public static class CertificateValidator
{
    /// <summary>
    /// Validates a key descriptor's own chain (<see cref="KeyDescriptor.Certificates"/>, base64 DER, leaf first). Its
    /// <c>publicKey</c>, when present, must be the leaf's key, and the leaf's key must be of the descriptor's <c>alg</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The descriptor has no certificates: its identity rests on the operator, there is nothing to validate.</exception>
    public static CertificateValidation Validate(KeyDescriptor key, CertificateTrust trust, DateTimeOffset at)
    {
        if (key.Certificates is not { Count: > 0 } encoded) throw new ArgumentException("the key descriptor carries no certificates", nameof(key));
        var chain = new List<byte[]>(encoded.Count);
        for (var i = 0; i < encoded.Count; i++)
        {
            if (!StandardBase64.TryDecode(encoded[i], out var der))
                return Failure(ErrorCodes.CertificateUntrusted, $"certificates[{i}] is not standard base64", null);
            chain.Add(der);
        }
        byte[]? registered = null;
        if (key.PublicKey is not null && !StandardBase64.TryDecode(key.PublicKey, out registered))
            return Failure(ErrorCodes.CertificateKeyMismatch, "publicKey is not standard base64", null);
        return Validate(chain, leaf => KeyRefusal(leaf, registered, key.Alg), trust, at);
    }

    /// <summary>Validates a chain (DER, leaf first; the root may be included or not) for the key whose DER SubjectPublicKeyInfo is given.</summary>
    public static CertificateValidation Validate(IReadOnlyList<byte[]> chain, byte[] registeredKey, CertificateTrust trust, DateTimeOffset at) =>
        Validate(chain, leaf => KeyRefusal(leaf, registeredKey, alg: null), trust, at);

    private static CertificateValidation Validate(IReadOnlyList<byte[]> chain, Func<X509Certificate, string?> keyRefusal, CertificateTrust trust, DateTimeOffset at)
    {
        if (chain.Count == 0) return Failure(ErrorCodes.CertificateUntrusted, "the chain holds no certificate", null);

        // 1. Parse.
        var certificates = new List<X509Certificate>(chain.Count);
        for (var i = 0; i < chain.Count; i++)
        {
            if (!CertificateDer.TryCertificate(chain[i], out var certificate))
                return Failure(ErrorCodes.CertificateUntrusted, $"certificates[{i}] is not a DER X.509 certificate", null);
            certificates.Add(certificate);
        }
        var leaf = CertificateIdentity.Of(certificates[0], chain[0]);

        // 2. The key, 3. its use.
        if (keyRefusal(certificates[0]) is { } mismatch) return Failure(ErrorCodes.CertificateKeyMismatch, mismatch, leaf);
        if (UsageRefusal(certificates[0]) is { } usage) return Failure(ErrorCodes.CertificateUntrusted, usage, leaf);

        // 4. Order and algorithms. A trailing copy of a trusted root is the anchor, not part of the path.
        var path = certificates;
        if (path.Count > 1 && trust.Roots.Any(r => r.Certificate.Equals(path[^1]))) path = path[..^1];
        for (var i = 0; i < path.Count; i++)
        {
            if (i + 1 < certificates.Count && !certificates[i].IssuerDN.Equivalent(certificates[i + 1].SubjectDN, true))
                return Failure(ErrorCodes.CertificateUntrusted,
                    $"certificates[{i + 1}] ({certificates[i + 1].SubjectDN}) is not the issuer of certificates[{i}] ({certificates[i].IssuerDN}); give the chain leaf first", leaf);
            if ((CertificateAlgorithms.Refusal(path[i].SignatureAlgorithm) ?? CertificateAlgorithms.WeakKey(path[i])) is { } weak)
                return Failure(ErrorCodes.CertificateUntrusted, $"certificates[{i}] ({path[i].SubjectDN}) {weak}", leaf);
        }

        // 5. The path from a trusted root.
        if (trust.RootCount == 0) return Failure(ErrorCodes.CertificateUntrusted, "no CA root is trusted for provider certificates", leaf);
        if (!trust.Roots.Any(r => r.Certificate.SubjectDN.Equivalent(path[^1].IssuerDN, true)))
            return Failure(ErrorCodes.CertificateUntrusted, $"no trusted root is named {path[^1].IssuerDN}, the issuer of certificates[{path.Count - 1}]", leaf);
        var time = at.UtcDateTime;
        PkixCertPathValidatorResult result;
        try
        {
            var parameters = new PkixParameters(trust.Anchors)
            {
                Date = time,
                IsRevocationEnabled = false, // CRLs are checked below, with the semantics Revocation documents
            };
            var certPath = new PkixCertPath(path);
            // PkixCertPath reorders a chain it can sort; the chain was checked to be in order, so it must come back unchanged.
            if (!certPath.Certificates.SequenceEqual(path)) return Failure(ErrorCodes.CertificateUntrusted, "the chain is not in order, leaf first", leaf);
            result = new PkixCertPathValidator().Validate(certPath, parameters);
        }
        catch (PkixCertPathValidatorException e)
        {
            return PathFailure(e, path, at, leaf);
        }
        catch (Exception e) // BouncyCastle's path code throws other types on malformed extensions; none may escape to the caller
        {
            return Failure(ErrorCodes.CertificateUntrusted, $"the chain cannot be validated: {e.Message}", leaf);
        }
        var root = trust.Roots.First(r => r.Certificate.Equals(result.TrustAnchor.TrustedCert));

        // 6. The root at the time, and its key.
        if (!root.Certificate.IsValid(time))
            return Failure(ErrorCodes.CertificateExpired, $"the root ({root.Identity.Subject}) {Validity(root.Certificate)}, not at {Times.ToText(at)}", leaf, root.Identity);
        if (CertificateAlgorithms.WeakKey(root.Certificate) is { } weakRoot)
            return Failure(ErrorCodes.CertificateUntrusted, $"the root ({root.Identity.Subject}) {weakRoot}", leaf, root.Identity);

        // 7. Revocation.
        var revocation = Revocation.Check(path, root.Certificate, trust.Crls, time);
        var notes = revocation.Notes.Select(CertificateIdentity.Printable).ToList();
        if (revocation.Revoked is not null)
            return Failure(ErrorCodes.CertificateRevoked, revocation.Revoked, leaf, root.Identity) with { Notes = notes };

        return new CertificateValidation
        {
            Detail = CertificateIdentity.Printable($"{leaf.Describe()}: chain of {path.Count} to the trusted root {root.Identity.Subject} (SHA-256 {root.Identity.Fingerprint}), "
                + $"valid at {Times.ToText(at)}, " + (revocation.AllCovered ? "not revoked by the CRLs given" : "revocation not checked for every certificate (no CRL of its issuer)")),
            Leaf = leaf,
            Root = root.Identity,
            RevocationChecked = revocation.AllCovered,
            Notes = notes,
        };
    }

    /// <summary>
    /// BouncyCastle reports every path failure as one exception type, with the certificate's index; expiry is told apart by
    /// the inner exception's type, never by message text.
    /// </summary>
    private static CertificateValidation PathFailure(PkixCertPathValidatorException e, List<X509Certificate> path, DateTimeOffset at, CertificateIdentity leaf)
    {
        var index = e.Index;
        var known = index >= 0 && index < path.Count;
        if (known && e.InnerException is CertificateExpiredException or CertificateNotYetValidException)
            return Failure(ErrorCodes.CertificateExpired, $"certificates[{index}] ({path[index].SubjectDN}) {Validity(path[index])}, not at {Times.ToText(at)}", leaf);
        return Failure(ErrorCodes.CertificateUntrusted, (known ? $"certificates[{index}] ({path[index].SubjectDN}): " : "") + e.Message, leaf);
    }

    private static string? KeyRefusal(X509Certificate leaf, byte[]? registered, SignatureAlg? alg)
    {
        var spki = leaf.SubjectPublicKeyInfo;
        if (alg is { } expected && !KeyAlgorithmIdentifier.Expect(spki.Algorithm, expected, out var error)) return $"the leaf certificate's key: {error}";
        return registered is null || spki.GetDerEncoded().AsSpan().SequenceEqual(registered) ? null
            : "the leaf certificate's SubjectPublicKeyInfo is not the registered key";
    }

    /// <summary>RFC 5280 KeyUsage bits: 0 digitalSignature, 1 nonRepudiation (contentCommitment).</summary>
    private static string? UsageRefusal(X509Certificate leaf) => leaf.GetKeyUsage() switch
    {
        null => "the leaf certificate states no key usage; a signing certificate must have digitalSignature or nonRepudiation",
        var usage when usage[0] || usage[1] => null,
        _ => "the leaf certificate is not for signatures (key usage without digitalSignature or nonRepudiation): "
            + "the encryption certificate of a dual-certificate pair is never accepted, register the signing certificate",
    };

    private static string Validity(X509Certificate certificate) =>
        $"is valid from {Times.ToText(new DateTimeOffset(certificate.NotBefore, TimeSpan.Zero))} to {Times.ToText(new DateTimeOffset(certificate.NotAfter, TimeSpan.Zero))}";

    private static CertificateValidation Failure(string code, string detail, CertificateIdentity? leaf, CertificateIdentity? root = null) =>
        new() { Code = code, Detail = CertificateIdentity.Printable(detail), Leaf = leaf, Root = root };
}
