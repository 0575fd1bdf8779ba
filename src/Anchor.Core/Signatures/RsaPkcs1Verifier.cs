using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>
/// rsa-pkcs1-sha256: RSASSA-PKCS1-v1_5 with SHA-256, signature exactly the modulus length, through .NET's RSA.
/// Thread-safe for the same reason as <see cref="EcdsaP256Verifier"/>.
/// </summary>
internal sealed class RsaPkcs1Verifier(RSA publicKey) : ISchemeVerifier
{
    /// <summary>Smaller moduli are factorable within the life of evidence; CAs stopped issuing them in 2013.</summary>
    public const int MinimumBits = 2048;
    public const int MaximumBits = 16384;

    private readonly int signatureSize = publicKey.KeySize / 8;

    /// <summary>Every signature under this key is exactly the modulus length.</summary>
    public int SignatureSize => signatureSize;

    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out ISchemeVerifier? verifier, out string error)
    {
        verifier = null;
        if (!SubjectPublicKey.TryRead(key, out _, out var spkiDer, out error)) return false;
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(spkiDer, out _);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
            error = "rsa-pkcs1-sha256: the public key is not a valid RSA key";
            return false;
        }
        if (rsa.KeySize is < MinimumBits or > MaximumBits || rsa.KeySize % 8 != 0)
        {
            error = $"rsa-pkcs1-sha256: a {rsa.KeySize}-bit modulus is not accepted (from {MinimumBits} to {MaximumBits} bits, whole bytes)";
            rsa.Dispose();
            return false;
        }
        verifier = new RsaPkcs1Verifier(rsa);
        return true;
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == signatureSize
        && publicKey.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
}
