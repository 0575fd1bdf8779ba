using System.Diagnostics.CodeAnalysis;
namespace Anchor.Core.Signatures;

/// <summary>
/// Checks signatures under one registered provider key. Parse once with <see cref="TryCreate"/> (it validates the key
/// and says why it is refused), then call <see cref="Verify"/> from any number of threads: instances are immutable.
/// </summary>
public sealed class SignatureVerifier
{
    private readonly ISchemeVerifier scheme;

    private SignatureVerifier(KeyDescriptor key, ISchemeVerifier scheme)
    {
        Key = key;
        this.scheme = scheme;
    }

    /// <summary>The descriptor this verifier was made from.</summary>
    public KeyDescriptor Key { get; }

    public SignatureAlg Alg => Key.Alg;

    /// <summary>
    /// Validates a descriptor: the members its alg needs and no others, and key material that decodes, is of that
    /// scheme (right algorithm, right curve, sane size) and is a valid key. Certificates supply the key; they are not
    /// validated against any CA (see <see cref="SubjectPublicKey"/>).
    /// </summary>
    /// <param name="error">One line saying what is wrong, fit for an API problem detail; empty on success.</param>
    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out SignatureVerifier? verifier, out string error)
    {
        ArgumentNullException.ThrowIfNull(key);
        verifier = null;
        if (!HasMembersOf(key, out error)) return false;

        ISchemeVerifier? scheme;
        var created = key.Alg switch
        {
            SignatureAlg.Ed25519 => Ed25519Verifier.TryCreate(key, out scheme, out error),
            SignatureAlg.EcdsaP256Sha256 => EcdsaP256Verifier.TryCreate(key, out scheme, out error),
            SignatureAlg.RsaPkcs1Sha256 => RsaPkcs1Verifier.TryCreate(key, out scheme, out error),
            SignatureAlg.Sm2Sm3 => Sm2Verifier.TryCreate(key, out scheme, out error),
            SignatureAlg.EthPersonal => EthPersonalVerifier.TryCreate(key, out scheme, out error),
            _ => Unknown(key.Alg, out scheme, out error),
        };
        if (!created) return false;
        verifier = new SignatureVerifier(key, scheme!);
        return true;
    }

    /// <summary>
    /// When no signature of this key's algorithm has <paramref name="length"/> bytes, the length one would have (for a
    /// refusal that says the record was signed with a key of another algorithm); null when the length fits. Ed25519 and
    /// P-256 signatures are both 64 bytes: one cannot be told from the other by length.
    /// </summary>
    public string? LengthMismatch(int length) => Alg switch
    {
        SignatureAlg.Ed25519 => length == Ed25519Verifier.SignatureSize ? null : $"{Ed25519Verifier.SignatureSize} bytes",
        SignatureAlg.EcdsaP256Sha256 => length == EcdsaP256Verifier.SignatureSize ? null : $"{EcdsaP256Verifier.SignatureSize} bytes (r || s)",
        SignatureAlg.EthPersonal => length == EthPersonalVerifier.SignatureSize ? null : $"{EthPersonalVerifier.SignatureSize} bytes (r || s || v)",
        SignatureAlg.Sm2Sm3 => length is >= 8 and <= Sm2Verifier.MaximumSignatureSize ? null : $"a DER SEQUENCE of at most {Sm2Verifier.MaximumSignatureSize} bytes",
        SignatureAlg.RsaPkcs1Sha256 when scheme is RsaPkcs1Verifier rsa => length == rsa.SignatureSize ? null : $"{rsa.SignatureSize} bytes (the modulus length)",
        _ => null,
    };

    /// <summary>True only for a valid signature of exactly these bytes. Never throws: malformed input is simply false.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        try
        {
            return scheme.Verify(message, signature);
        }
        catch (Exception) // A library's complaint about garbage input is a failed verification, not a server error.
        {
            return false;
        }
    }

    private static bool HasMembersOf(KeyDescriptor key, out string error)
    {
        var wire = SignatureAlgs.ToWire(key.Alg);
        error = key.Alg switch
        {
            SignatureAlg.EthPersonal when key.PublicKey is not null || key.Certificates is not null =>
                "eth-personal: a key is an address only; publicKey and certificates are not accepted",
            not SignatureAlg.EthPersonal when key.Address is not null =>
                $"{wire}: address belongs to eth-personal keys; give publicKey instead",
            SignatureAlg.Ed25519 when key.Certificates is not null =>
                "ed25519: certificates are accepted only for ecdsa-p256-sha256, rsa-pkcs1-sha256 and sm2-sm3",
            _ => "",
        };
        return error.Length == 0;
    }

    private static bool Unknown(SignatureAlg alg, out ISchemeVerifier? scheme, out string error)
    {
        scheme = null;
        error = $"unknown signature algorithm {(int)alg}";
        return false;
    }
}
