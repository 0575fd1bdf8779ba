using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;

namespace Anchor.Core.Signatures;

/// <summary>
/// Reads the AlgorithmIdentifier of an SPKI or PKCS#8 key: which of our schemes it belongs to and, for the error when
/// it is the wrong one, what it is instead. Checked before any library imports the key, so a P-256 key registered as
/// sm2-sm3 (same ASN.1 shape, other curve) is refused by name instead of by an opaque library exception.
/// </summary>
internal static class KeyAlgorithmIdentifier
{
    public static bool Expect(AlgorithmIdentifier identifier, SignatureAlg expected, out string error)
    {
        var actual = Classify(identifier, out var description);
        error = actual == expected ? "" : $"the key is {description}, not {Describe(expected)}";
        return actual == expected;
    }

    private static string Describe(SignatureAlg alg) => alg switch
    {
        SignatureAlg.Ed25519 => "an Ed25519 key",
        SignatureAlg.EcdsaP256Sha256 => "an EC key on P-256",
        SignatureAlg.RsaPkcs1Sha256 => "an RSA key",
        SignatureAlg.Sm2Sm3 => "an EC key on sm2p256v1",
        _ => "a secp256k1 key",
    };

    private static SignatureAlg? Classify(AlgorithmIdentifier identifier, out string description)
    {
        var oid = identifier.Algorithm;
        if (oid.Equals(PkcsObjectIdentifiers.RsaEncryption))
        {
            description = Describe(SignatureAlg.RsaPkcs1Sha256);
            return SignatureAlg.RsaPkcs1Sha256;
        }
        if (oid.Equals(EdECObjectIdentifiers.id_Ed25519))
        {
            description = Describe(SignatureAlg.Ed25519);
            return SignatureAlg.Ed25519;
        }
        if (!oid.Equals(X9ObjectIdentifiers.IdECPublicKey))
        {
            description = $"a key of algorithm {oid.Id}";
            return null;
        }
        if (identifier.Parameters is not DerObjectIdentifier curve)
        {
            description = "an EC key with explicit or missing curve parameters (only named curves are accepted)";
            return null;
        }
        if (curve.Equals(SecObjectIdentifiers.SecP256r1))
        {
            description = Describe(SignatureAlg.EcdsaP256Sha256);
            return SignatureAlg.EcdsaP256Sha256;
        }
        if (curve.Equals(GMObjectIdentifiers.sm2p256v1))
        {
            description = Describe(SignatureAlg.Sm2Sm3);
            return SignatureAlg.Sm2Sm3;
        }
        description = curve.Equals(SecObjectIdentifiers.SecP256k1)
            ? "an EC key on secp256k1 (Ethereum keys are registered by address as eth-personal)"
            : $"an EC key on curve {curve.Id}";
        return null;
    }
}
