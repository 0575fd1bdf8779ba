using System.Diagnostics.CodeAnalysis;
using NSec.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>An ed25519 key held by NSec; exported as the 32-byte RFC 8032 seed, the form other tools import.</summary>
internal sealed class Ed25519PrivateKey : ISchemePrivateKey
{
    private readonly Key key;

    private Ed25519PrivateKey(Key key)
    {
        this.key = key;
        Descriptor = new KeyDescriptor(SignatureAlg.Ed25519, PublicKey: Convert.ToBase64String(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
    }

    public KeyDescriptor Descriptor { get; }

    public static Ed25519PrivateKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, Exportable()));

    public static bool TryImport(ReadOnlySpan<byte> seed, [NotNullWhen(true)] out ISchemePrivateKey? privateKey, out string error)
    {
        privateKey = null;
        if (seed.Length != 32 || !Key.TryImport(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey, out var key, Exportable()) || key is null)
        {
            error = $"ed25519: privateKey must be the 32-byte seed, got {seed.Length} bytes";
            return false;
        }
        privateKey = new Ed25519PrivateKey(key);
        error = "";
        return true;
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => SignatureAlgorithm.Ed25519.Sign(key, message);

    public byte[] ExportPrivateKey() => key.Export(KeyBlobFormat.RawPrivateKey);

    public void Dispose() => key.Dispose();

    /// <summary>The key file holds the seed, so NSec must let it out.</summary>
    private static KeyCreationParameters Exportable() => new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport };
}
