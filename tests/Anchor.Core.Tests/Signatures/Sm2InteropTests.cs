using System.Text;
using Anchor.Core.Signatures;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Tests.Signatures;

/// <summary>
/// sm2-sm3 against the signature example on the recommended curve in GM/T 0003.5-2012 / GB/T 32918.5-2017
/// (the same vector OpenSSL, Tongsuo and GmSSL test with), and against BouncyCastle's SM2Signer used directly.
/// </summary>
public class Sm2InteropTests
{
    private const string D = "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8";
    private const string Px = "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020";
    private const string Py = "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13";
    private const string K = "59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21";
    private const string R = "f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3";
    private const string S = "b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa";
    private const string E = "f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640";
    private static readonly byte[] Message = "message digest"u8.ToArray();

    /// <summary>The standard's public key as an SPKI, encoded by Tongsuo (its SM2 self-test), not by us.</summary>
    private const string TongsuoSpki =
        "MFkwEwYHKoZIzj0CAQYIKoEcz1UBgi0DQgAECfnfMR5UIaFQ3X0WHkvFxnIXn60YM/wHa7CP81bzUCDM6kkM4md1pS3G6nGMwapgCu0F+/NeCEpmMvYHLamtEw==";

    private static readonly ECDomainParameters Curve = ECNamedDomainParameters.LookupOid(GMObjectIdentifiers.sm2p256v1);

    private static byte[] DerSignature(string r, string s) =>
        new DerSequence(new DerInteger(new BigInteger(r, 16)), new DerInteger(new BigInteger(s, 16))).GetDerEncoded();

    [Fact]
    public void Standard_private_key_gives_the_standard_public_key()
    {
        var point = new FixedPointCombMultiplier().Multiply(Curve.G, new BigInteger(D, 16)).Normalize();
        Assert.Equal(Px, Hex.Encode(point.AffineXCoord.GetEncoded()));
        Assert.Equal(Py, Hex.Encode(point.AffineYCoord.GetEncoded()));

        // And our key file import of that scalar derives the same SPKI Tongsuo wrote.
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(new ECPrivateKeyParameters(new BigInteger(D, 16), Curve)).GetDerEncoded();
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Sm2Sm3, pkcs8, out var key, out var error), error);
        using (key) Assert.Equal(TongsuoSpki, key.Descriptor.PublicKey);
    }

    [Fact]
    public void Z_and_e_with_the_default_user_id_match_the_standard()
    {
        // Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA); e = SM3(Z || M). Written out here, independent of SM2Signer.
        var id = "1234567812345678"u8.ToArray();
        var sm3 = new SM3Digest();
        sm3.Update((byte)(id.Length * 8 >> 8));
        sm3.Update((byte)(id.Length * 8));
        sm3.BlockUpdate(id);
        foreach (var element in new[] { Curve.Curve.A, Curve.Curve.B, Curve.G.AffineXCoord, Curve.G.AffineYCoord })
            sm3.BlockUpdate(element.GetEncoded());
        sm3.BlockUpdate(Hex.Decode(Px));
        sm3.BlockUpdate(Hex.Decode(Py));
        var z = new byte[32];
        sm3.DoFinal(z);
        sm3.BlockUpdate(z);
        sm3.BlockUpdate(Message);
        var e = new byte[32];
        sm3.DoFinal(e);
        Assert.Equal(E, Hex.Encode(e));
    }

    [Fact]
    public void Standard_signature_verifies_with_the_key_as_tongsuo_spki()
    {
        var verifier = TestKeys.Verifier(new(SignatureAlg.Sm2Sm3, TongsuoSpki));
        var signature = DerSignature(R, S);
        Assert.Equal("3046022100" + R + "022100" + S, Hex.Encode(signature)); // the DER Tongsuo's self-test holds
        Assert.True(verifier.Verify(Message, signature));
        Assert.False(verifier.Verify("message digesT"u8, signature));
        Assert.False(verifier.Verify(Message, DerSignature(R, S[..^1] + "b")));
    }

    [Fact]
    public void BouncyCastle_with_the_standard_k_reproduces_the_standard_signature()
    {
        var signer = new SM2Signer();
        var key = new ECPrivateKeyParameters(new BigInteger(D, 16), Curve);
        signer.Init(true, new ParametersWithID(new ParametersWithRandom(key, new FixedRandom(Hex.Decode(K))), "1234567812345678"u8.ToArray()));
        signer.BlockUpdate(Message);
        Assert.Equal(DerSignature(R, S), signer.GenerateSignature());
    }

    [Fact]
    public void BouncyCastle_SM2Signer_signature_verifies_with_ours_and_ours_with_it()
    {
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var message = Encoding.UTF8.GetBytes("anchor-evidence:v1\n{}");

        var signer = new SM2Signer(); // default user ID, DER encoding
        signer.Init(true, pair.Private);
        signer.BlockUpdate(message);
        var theirs = signer.GenerateSignature();

        var spki = Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(pair.Public).GetDerEncoded());
        var verifier = TestKeys.Verifier(new(SignatureAlg.Sm2Sm3, spki));
        Assert.True(verifier.Verify(message, theirs));

        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded();
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Sm2Sm3, pkcs8, out var ours, out var error), error);
        using (ours)
        {
            Assert.Equal(spki, ours.Descriptor.PublicKey);
            var check = new SM2Signer();
            check.Init(false, pair.Public);
            check.BlockUpdate(message);
            Assert.True(check.VerifySignature(ours.Sign(message)));
        }
    }

    [Fact]
    public void Signature_under_another_user_id_fails()
    {
        var key = new ECPrivateKeyParameters(new BigInteger(D, 16), Curve);
        var signer = new SM2Signer();
        signer.Init(true, new ParametersWithID(key, "ALICE123@YAHOO.COM"u8.ToArray()));
        signer.BlockUpdate(Message);
        Assert.False(TestKeys.Verifier(new(SignatureAlg.Sm2Sm3, TongsuoSpki)).Verify(Message, signer.GenerateSignature()));
    }

    [Fact]
    public void Sm2_certificate_supplies_the_key()
    {
        // A self-signed SM3withSM2 certificate, as Chinese CAs issue (which .NET's X509Certificate2 cannot parse).
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(GMObjectIdentifiers.sm2p256v1, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var builder = new X509V3CertificateGenerator();
        builder.SetSerialNumber(BigInteger.ValueOf(7));
        builder.SetIssuerDN(new X509Name("CN=Example SM2 CA, C=CN"));
        builder.SetSubjectDN(new X509Name("CN=Example Provider, C=CN"));
        builder.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        builder.SetNotAfter(DateTime.UtcNow.AddYears(1));
        builder.SetPublicKey(pair.Public);
        var certificate = builder.Generate(new Asn1SignatureFactory("SM3WITHSM2", pair.Private));

        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded();
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Sm2Sm3, pkcs8, out var key, out var error), error);
        using (key)
        {
            var verifier = TestKeys.Verifier(new(SignatureAlg.Sm2Sm3, Certificates: [Convert.ToBase64String(certificate.GetEncoded())]));
            var message = Encoding.UTF8.GetBytes("anchor-batch:v1\n{}");
            Assert.True(verifier.Verify(message, key.Sign(message)));
            Assert.False(verifier.Verify(message, TestKeys.For(SignatureAlg.Sm2Sm3).Sign(message)));
        }
    }

    /// <summary>Hands out fixed bytes, so SM2Signer's random k is the standard's k.</summary>
    private sealed class FixedRandom(byte[] bytes) : SecureRandom
    {
        public override void NextBytes(byte[] buffer) => NextBytes(buffer, 0, buffer.Length);

        public override void NextBytes(byte[] buffer, int start, int length) => NextBytes(buffer.AsSpan(start, length));

        public override void NextBytes(Span<byte> buffer)
        {
            Assert.Equal(bytes.Length, buffer.Length);
            bytes.CopyTo(buffer);
        }
    }
}
