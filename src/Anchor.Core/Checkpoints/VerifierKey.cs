using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Anchor.Core.Checkpoints;

/// <summary>
/// A signed-note verifier key, written <c>name+hex(keyID)+base64(0x01 || Ed25519 public key)</c>
/// (c2sp.org/signed-note). keyID = SHA-256(name || 0x0A || 0x01 || pubkey)[:4] binds name and key.
/// </summary>
public sealed record VerifierKey(string Name, uint KeyId, byte[] PublicKey)
{
    public const byte Ed25519Type = 0x01;

    public static VerifierKey ForEd25519(string name, byte[] publicKey)
    {
        if (!IsValidName(name)) throw new ArgumentException($"'{name}' is not a valid key name: it must be non-empty with no spaces or '+'");
        if (publicKey.Length != 32) throw new ArgumentException("an Ed25519 public key is 32 bytes");
        return new VerifierKey(name, ComputeKeyId(name, publicKey), publicKey);
    }

    public static uint ComputeKeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(input, 0);
        input[nameBytes.Length] = 0x0A;
        input[nameBytes.Length + 1] = Ed25519Type;
        publicKey.CopyTo(input.AsSpan(nameBytes.Length + 2));
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    public override string ToString() =>
        $"{Name}+{KeyId:x8}+{Convert.ToBase64String([Ed25519Type, .. PublicKey])}";

    public static VerifierKey Parse(string vkey) =>
        TryParse(vkey, out var key, out var error) ? key! : throw new MalformedNoteError(error);

    public static bool TryParse(string? vkey, out VerifierKey? key, out string error)
    {
        key = null;
        var parts = vkey?.Split('+', 3) ?? []; // The base64 key may itself hold '+'.
        if (parts.Length != 3) { error = "a verifier key is name+keyid+key"; return false; }
        var (name, hash, b64) = (parts[0], parts[1], parts[2]);
        if (!IsValidName(name)) { error = $"verifier key name '{name}' is not valid"; return false; }
        if (hash.Length != 8 || !uint.TryParse(hash, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var keyId))
        { error = "verifier key ID must be 8 hex characters"; return false; }
        byte[] blob;
        try { blob = Convert.FromBase64String(b64); }
        catch (FormatException) { error = "verifier key is not valid base64"; return false; }
        if (blob.Length == 0 || blob[0] != Ed25519Type) { error = "verifier key is not an Ed25519 (type 0x01) key"; return false; }
        if (blob.Length != 33) { error = $"Ed25519 verifier key is {blob.Length - 1} bytes, want 32"; return false; }
        var publicKey = blob[1..];
        if (ComputeKeyId(name, publicKey) != keyId) { error = "verifier key ID does not match its name and key"; return false; }
        key = new VerifierKey(name, keyId, publicKey);
        error = "";
        return true;
    }

    /// <summary>Names are non-empty, with no Unicode space and no '+'.</summary>
    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Contains('+') && !name.Any(char.IsWhiteSpace);
}
