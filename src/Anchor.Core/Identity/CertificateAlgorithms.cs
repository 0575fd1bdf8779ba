using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;
using Anchor.Core.Signatures;

namespace Anchor.Core.Identity;

/// <summary>
/// The signatures a certificate or CRL may be made with: SHA-2 with RSA (PKCS #1 v1.5 or PSS) or ECDSA, SM3 with SM2,
/// Ed25519. SHA-1 and MD5 are refused: chosen-prefix collisions let a forger get a second certificate signed under a CA's
/// SHA-1 signature, and evidence must outlive that. RSA keys below the size provider keys need are refused too.
/// </summary>
internal static class CertificateAlgorithms
{
    private static readonly HashSet<string> Accepted =
    [
        PkcsObjectIdentifiers.Sha256WithRsaEncryption.Id,
        PkcsObjectIdentifiers.Sha384WithRsaEncryption.Id,
        PkcsObjectIdentifiers.Sha512WithRsaEncryption.Id,
        X9ObjectIdentifiers.ECDsaWithSha256.Id,
        X9ObjectIdentifiers.ECDsaWithSha384.Id,
        X9ObjectIdentifiers.ECDsaWithSha512.Id,
        GMObjectIdentifiers.sm2sign_with_sm3.Id,
        EdECObjectIdentifiers.id_Ed25519.Id,
    ];

    private static readonly HashSet<string> PssHashes = [NistObjectIdentifiers.IdSha256.Id, NistObjectIdentifiers.IdSha384.Id, NistObjectIdentifiers.IdSha512.Id];

    /// <summary>Null when the signature algorithm is accepted, else why not.</summary>
    public static string? Refusal(AlgorithmIdentifier signature)
    {
        if (Accepted.Contains(signature.Algorithm.Id)) return null;
        if (signature.Algorithm.Equals(PkcsObjectIdentifiers.IdRsassaPss))
        {
            try
            {
                if (PssHashes.Contains(RsassaPssParameters.GetInstance(signature.Parameters).HashAlgorithm.Algorithm.Id)) return null;
            }
            catch (Exception) // malformed parameters: refused below like any other unknown algorithm
            {
            }
            return "is signed with RSASSA-PSS over a hash other than SHA-256, SHA-384 or SHA-512";
        }
        return $"is signed with algorithm {signature.Algorithm.Id}, which is not accepted (SHA-2 with RSA or ECDSA, SM3withSM2, Ed25519)";
    }

    /// <summary>Null when the certificate's key is strong enough to sign for others, else why not.</summary>
    public static string? WeakKey(X509Certificate certificate) =>
        certificate.GetPublicKey() is RsaKeyParameters rsa && rsa.Modulus.BitLength < RsaPkcs1Verifier.MinimumBits
            ? $"has a {rsa.Modulus.BitLength}-bit RSA key (at least {RsaPkcs1Verifier.MinimumBits} bits)"
            : null;
}
