using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace Anchor.Core.Signatures;

/// <summary>
/// The DER SubjectPublicKeyInfo of a descriptor whose key is SPKI or X.509 (ecdsa-p256-sha256, rsa-pkcs1-sha256,
/// sm2-sm3). Certificates are parsed with BouncyCastle because .NET cannot parse SM2 certificates.
/// <para>
/// Certificates only carry the key here: their signatures, validity dates and chain to a CA are NOT checked. The
/// operator vouches for a key by registering it; whoever relies on the certificate chain (a court checking a CA) does
/// that separately with the certificates kept in the proof bundle.
/// </para>
/// </summary>
internal static class SubjectPublicKey
{
    /// <summary>The leaf certificate's key when certificates are given (a publicKey alongside must equal it), else the publicKey.</summary>
    public static bool TryRead(KeyDescriptor key, [NotNullWhen(true)] out SubjectPublicKeyInfo? spki, out byte[] der, out string error)
    {
        if (TryReadUnprefixed(key, out spki, out der, out error)) return true;
        error = $"{SignatureAlgs.ToWire(key.Alg)}: {error}";
        return false;
    }

    private static bool TryReadUnprefixed(KeyDescriptor key, [NotNullWhen(true)] out SubjectPublicKeyInfo? spki, out byte[] der, out string error)
    {
        spki = null;
        der = [];
        if (key.Certificates is not null)
        {
            if (key.Certificates.Count == 0)
            {
                error = "certificates is empty (omit it, or give the leaf certificate first)";
                return false;
            }
            X509CertificateStructure? leaf = null;
            for (var i = 0; i < key.Certificates.Count; i++)
            {
                if (!StandardBase64.TryDecode(key.Certificates[i], out var bytes) || !TryParse(bytes, X509CertificateStructure.GetInstance, requireDer: false, out var certificate))
                {
                    error = $"certificates[{i}] is not a base64 DER X.509 certificate";
                    return false;
                }
                leaf ??= certificate;
            }
            spki = leaf!.SubjectPublicKeyInfo;
            der = spki.GetDerEncoded();
            if (key.PublicKey is not null && !(StandardBase64.TryDecode(key.PublicKey, out var given) && given.AsSpan().SequenceEqual(der)))
            {
                error = "publicKey differs from the leaf certificate's SubjectPublicKeyInfo";
                return false;
            }
        }
        else if (key.PublicKey is null)
        {
            error = "publicKey (base64 DER SubjectPublicKeyInfo) or certificates is required";
            return false;
        }
        else if (!StandardBase64.TryDecode(key.PublicKey, out der) || !TryParse(der, SubjectPublicKeyInfo.GetInstance, requireDer: true, out spki))
        {
            error = "publicKey is not a base64 DER SubjectPublicKeyInfo";
            return false;
        }

        return KeyAlgorithmIdentifier.Expect(spki.Algorithm, key.Alg, out error);
    }

    /// <summary>
    /// Parses one ASN.1 object with nothing after it. A public key must also be strict DER, so one key has one
    /// spelling; a certificate need not be, since re-encoding a CA's slightly-off BER would break its signature.
    /// </summary>
    private static bool TryParse<T>(byte[] bytes, Func<object, T> getInstance, bool requireDer, [NotNullWhen(true)] out T? value) where T : Asn1Encodable
    {
        value = null;
        if (bytes.Length == 0) return false;
        try
        {
            var parsed = getInstance(Asn1Object.FromByteArray(bytes));
            if (requireDer && !parsed.GetDerEncoded().AsSpan().SequenceEqual(bytes)) return false;
            value = parsed;
            return true;
        }
        catch (Exception) // BouncyCastle reports malformed ASN.1 with several exception types; all mean "not this structure".
        {
            return false;
        }
    }
}
