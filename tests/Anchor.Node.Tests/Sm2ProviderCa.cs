using Anchor.Core.Signatures;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Anchor.Node.Tests;

/// <summary>
/// An SM2 CA made in the test with BouncyCastle (SM3WITHSM2 under the GM/T 0009 default user ID, as Chinese CAs sign),
/// and sm2-sm3 provider keys it certifies, with the private key so the test can sign.
/// </summary>
internal sealed class Sm2ProviderCa
{
    private static readonly X509Name Name = new("C=CN,O=Test SM2 Trust Services,CN=Test SM2 Provider CA");
    private readonly AsymmetricCipherKeyPair _keys = NewKeys();
    private readonly X509Certificate _root;

    public Sm2ProviderCa()
    {
        var generator = Generator(Name, _keys.Public, DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(5));
        generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
        _root = generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", _keys.Private));
    }

    public string Pem => System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", _root.GetEncoded()) + "\n";

    /// <summary>A new sm2-sm3 signing key and its descriptor carrying the leaf certificate (the root is the verifier's).</summary>
    public (SigningKey Key, KeyDescriptor Descriptor) Certify(DateTimeOffset from, DateTimeOffset to)
    {
        var keys = NewKeys();
        var generator = Generator(new X509Name("C=CN,O=Acme e-contracts,CN=Acme SM2 Signing"), keys.Public, from, to);
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature | KeyUsage.NonRepudiation));
        var leaf = generator.Generate(new Asn1SignatureFactory("SM3WITHSM2", _keys.Private));
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(keys.Private).GetDerEncoded();
        if (!SigningKey.TryFromPrivateKey(SignatureAlg.Sm2Sm3, pkcs8, out var key, out var error)) throw new InvalidOperationException(error);
        return (key, key.Descriptor with { PublicKey = null, Certificates = [Convert.ToBase64String(leaf.GetEncoded())] });
    }

    private X509V3CertificateGenerator Generator(X509Name subject, AsymmetricKeyParameter publicKey, DateTimeOffset from, DateTimeOffset to)
    {
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(new BigInteger(1, Org.BouncyCastle.Security.SecureRandom.GetNextBytes(new SecureRandom(), 12)));
        generator.SetIssuerDN(Name);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(from.UtcDateTime);
        generator.SetNotAfter(to.UtcDateTime);
        generator.SetPublicKey(publicKey);
        return generator;
    }

    private static AsymmetricCipherKeyPair NewKeys()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        return generator.GenerateKeyPair();
    }
}
