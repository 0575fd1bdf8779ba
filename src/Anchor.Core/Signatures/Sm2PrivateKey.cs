using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Signatures;

/// <summary>
/// An SM2 key on sm2p256v1, held as BouncyCastle parameters (which cannot be wiped from memory; .NET has no SM2).
/// Signs with the default user ID, DER-encoded, random k from the system RNG.
/// </summary>
internal sealed class Sm2PrivateKey : ISchemePrivateKey
{
    private readonly ParametersWithID signingKey;
    private readonly ECPrivateKeyParameters key;

    private Sm2PrivateKey(ECPrivateKeyParameters key)
    {
        this.key = key;
        signingKey = new ParametersWithID(key, Sm2UserId.Default);
        var publicPoint = new FixedPointCombMultiplier().Multiply(key.Parameters.G, key.D).Normalize();
        var publicKey = new ECPublicKeyParameters(publicPoint, key.Parameters);
        var spki = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();
        Descriptor = new KeyDescriptor(SignatureAlg.Sm2Sm3, PublicKey: Convert.ToBase64String(spki));
    }

    public KeyDescriptor Descriptor { get; }

    public static Sm2PrivateKey Generate()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        return new Sm2PrivateKey((ECPrivateKeyParameters)generator.GenerateKeyPair().Private);
    }

    public static bool TryImport(ReadOnlySpan<byte> pkcs8, [NotNullWhen(true)] out ISchemePrivateKey? privateKey, out string error)
    {
        privateKey = null;
        if (!Pkcs8.TryRead(pkcs8, SignatureAlg.Sm2Sm3, out var info, out error)) return false;
        ECPrivateKeyParameters key;
        try
        {
            key = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(info);
        }
        catch (Exception) // BouncyCastle reports a malformed ECPrivateKey with several exception types
        {
            error = "sm2-sm3: privateKey is not a valid sm2p256v1 key";
            return false;
        }
        // SM2 signing divides by (1 + d), so d = n - 1 is no key even though it is below the order.
        if (key.D.SignValue <= 0 || key.D.CompareTo(key.Parameters.N.Subtract(Org.BouncyCastle.Math.BigInteger.One)) >= 0)
        {
            error = "sm2-sm3: the private scalar must lie in [1, n-2]";
            return false;
        }
        privateKey = new Sm2PrivateKey(key);
        return true;
    }

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var signer = new SM2Signer();
        signer.Init(forSigning: true, signingKey);
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    public byte[] ExportPrivateKey() => PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();

    /// <summary>Nothing to release: BouncyCastle keys are managed objects.</summary>
    public void Dispose()
    {
    }
}
