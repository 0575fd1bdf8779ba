using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Anchor.Core.Signatures;

/// <summary>A P-256 key held by .NET's ECDsa; signs in IEEE P1363 form, the form the verifier takes.</summary>
internal sealed class EcdsaP256PrivateKey : ISchemePrivateKey
{
    private readonly ECDsa key;

    private EcdsaP256PrivateKey(ECDsa key)
    {
        this.key = key;
        Descriptor = new KeyDescriptor(SignatureAlg.EcdsaP256Sha256, PublicKey: Convert.ToBase64String(key.ExportSubjectPublicKeyInfo()));
    }

    public KeyDescriptor Descriptor { get; }

    public static EcdsaP256PrivateKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static bool TryImport(ReadOnlySpan<byte> pkcs8, [NotNullWhen(true)] out ISchemePrivateKey? privateKey, out string error)
    {
        privateKey = null;
        if (!Pkcs8.TryRead(pkcs8, SignatureAlg.EcdsaP256Sha256, out _, out error)) return false;
        var key = ECDsa.Create();
        try
        {
            key.ImportPkcs8PrivateKey(pkcs8, out _);
        }
        catch (CryptographicException e)
        {
            key.Dispose();
            error = $"ecdsa-p256-sha256: privateKey is not a valid P-256 key ({e.Message})";
            return false;
        }
        privateKey = new EcdsaP256PrivateKey(key);
        return true;
    }

    public byte[] Sign(ReadOnlySpan<byte> message) =>
        key.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public byte[] ExportPrivateKey() => key.ExportPkcs8PrivateKey();

    public void Dispose() => key.Dispose();
}
