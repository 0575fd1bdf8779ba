namespace Anchor.Core.Signatures;

/// <summary>The signature schemes a provider key may use (DESIGN A2); <see cref="SignatureAlgs"/> holds their wire names.</summary>
public enum SignatureAlg
{
    Ed25519,
    EcdsaP256Sha256,
    RsaPkcs1Sha256,
    Sm2Sm3,
    EthPersonal,
}
