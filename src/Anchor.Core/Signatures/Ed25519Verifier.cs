using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>ed25519 (RFC 8032) through NSec/libsodium, which also rejects non-canonical signatures and small-order keys.</summary>
internal sealed class Ed25519Verifier(PublicKey publicKey) : ISchemeVerifier
{
    public const int PublicKeySize = 32;
    public const int SignatureSize = 64;

    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out ISchemeVerifier? verifier, out string error)
    {
        verifier = null;
        if (key.PublicKey is null)
        {
            error = "ed25519: publicKey (base64 of the raw 32-byte key) is required";
            return false;
        }
        if (!StandardBase64.TryDecode(key.PublicKey, out var raw))
        {
            error = "ed25519: publicKey is not base64";
            return false;
        }
        if (raw.Length != PublicKeySize)
        {
            error = $"ed25519: publicKey must be the raw 32-byte key, got {raw.Length} bytes"
                + (raw.Length == 44 ? " (an SPKI? send its last 32 bytes)" : "");
            return false;
        }
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
        {
            error = "ed25519: publicKey is not a valid Ed25519 point";
            return false;
        }
        verifier = new Ed25519Verifier(publicKey);
        error = "";
        return true;
    }

    /// <summary>Verifies with a raw 32-byte key: the checkpoint (signed-note) verifier uses this too.</summary>
    public static bool VerifyRaw(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && publicKey.Length == PublicKeySize
        && PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out var key) && key is not null
        && SignatureAlgorithm.Ed25519.Verify(key, message, signature);

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature) =>
        signature.Length == SignatureSize && SignatureAlgorithm.Ed25519.Verify(publicKey, message, signature);
}
