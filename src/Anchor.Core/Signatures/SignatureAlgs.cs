namespace Anchor.Core.Signatures;

/// <summary>
/// The wire names of <see cref="SignatureAlg"/> (the <c>alg</c> member of a registered key). Names are exact and
/// case-sensitive: a key registered as "Ed25519" is malformed, so two spellings never name one key type.
/// </summary>
public static class SignatureAlgs
{
    public static IReadOnlyList<SignatureAlg> All { get; } =
        [SignatureAlg.Ed25519, SignatureAlg.EcdsaP256Sha256, SignatureAlg.RsaPkcs1Sha256, SignatureAlg.Sm2Sm3, SignatureAlg.EthPersonal];

    public static string ToWire(SignatureAlg alg) => alg switch
    {
        SignatureAlg.Ed25519 => "ed25519",
        SignatureAlg.EcdsaP256Sha256 => "ecdsa-p256-sha256",
        SignatureAlg.RsaPkcs1Sha256 => "rsa-pkcs1-sha256",
        SignatureAlg.Sm2Sm3 => "sm2-sm3",
        SignatureAlg.EthPersonal => "eth-personal",
        _ => throw new ArgumentOutOfRangeException(nameof(alg), alg, "not a signature algorithm"),
    };

    public static bool TryParse(string? wire, out SignatureAlg alg)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(ToWire(candidate), wire, StringComparison.Ordinal))
            {
                alg = candidate;
                return true;
            }
        }
        alg = default;
        return false;
    }
}
