using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>
/// ecdsa-p256-sha256 with IEEE P1363 r‖s signatures (what WebCrypto emits), through .NET's ECDsa.
/// One instance serves concurrent calls: after import the key is only read, and OpenSSL (Linux) and CNG (Windows)
/// allow verifying with one key object from many threads.
/// </summary>
internal sealed class EcdsaP256Verifier(ECDsa publicKey) : ISchemeVerifier
{
    public const int SignatureSize = 64;

    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out ISchemeVerifier? verifier, out string error)
    {
        verifier = null;
        if (!SubjectPublicKey.TryRead(key, out _, out var spkiDer, out error)) return false;
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportSubjectPublicKeyInfo(spkiDer, out _);
        }
        catch (CryptographicException)
        {
            ecdsa.Dispose();
            error = "ecdsa-p256-sha256: the public key is not a valid P-256 point";
            return false;
        }
        verifier = new EcdsaP256Verifier(ecdsa);
        return true;
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize
        && publicKey.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
