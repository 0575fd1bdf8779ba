using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>An RSA key held by .NET's RSA, signing RSASSA-PKCS1-v1_5 with SHA-256.</summary>
internal sealed class RsaPkcs1PrivateKey : ISchemePrivateKey
{
    /// <summary>3072 bits: NIST SP 800-57's size for use beyond 2030, which evidence signatures outlive.</summary>
    public const int GeneratedBits = 3072;

    private readonly RSA key;

    private RsaPkcs1PrivateKey(RSA key)
    {
        this.key = key;
        Descriptor = new KeyDescriptor(SignatureAlg.RsaPkcs1Sha256, PublicKey: Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    public KeyDescriptor Descriptor { get; }

    public static RsaPkcs1PrivateKey Generate() => new(RSA.Create(GeneratedBits));

    public static bool TryImport(ReadOnlySpan<byte> pkcs8, [NotNullWhen(true)] out ISchemePrivateKey? privateKey, out string error)
    {
        privateKey = null;
        if (!Pkcs8.TryRead(pkcs8, SignatureAlg.RsaPkcs1Sha256, out _, out error)) return false;
        var key = RSA.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            error = $"rsa-pkcs1-sha256: privateKey is not a valid RSA key ({e.Message})";
            return false;
        }
        if (key.KeySize is < RsaPkcs1Verifier.MinimumBits or > RsaPkcs1Verifier.MaximumBits)
        {
            error = $"rsa-pkcs1-sha256: a {key.KeySize}-bit modulus is not accepted (from {RsaPkcs1Verifier.MinimumBits} to {RsaPkcs1Verifier.MaximumBits} bits)";
            key.Dispose();
            return false;
        }
        privateKey = new RsaPkcs1PrivateKey(key);
        return true;
    }

    public byte[] Sign(ReadOnlySpan<byte> message) => key.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public byte[] ExportPrivateKey() => key.ExportPkcs8PrivateKey();

    public void Dispose() => key.Dispose();
}
