using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary>Signatures made by .NET's RSA (the usual Chinese-CA RSA certificate case) verify with ours.</summary>
public class RsaPkcs1InteropTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("anchor-evidence:v1\n{}");

    [Fact]
    public void DotNet_signature_verifies_with_key_as_certificate()
    {
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest("CN=Example Platform, C=CN", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        var signature = rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

        var byCertificate = TestKeys.Verifier(new(SignatureAlg.RsaPkcs1Sha256, Certificates: [Convert.ToBase64String(certificate.RawData)]));
        Assert.True(byCertificate.Verify(Message, signature));
        var bySpki = TestKeys.Verifier(new(SignatureAlg.RsaPkcs1Sha256, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        Assert.True(bySpki.Verify(Message, signature));
        // publicKey and certificate together, agreeing.
        var both = TestKeys.Verifier(new(SignatureAlg.RsaPkcs1Sha256, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()), null,
            [Convert.ToBase64String(certificate.RawData)]));
        Assert.True(both.Verify(Message, signature));
    }

    [Fact]
    public void Pss_signature_of_the_same_key_is_refused()
    {
        using var rsa = RSA.Create(2048);
        var verifier = TestKeys.Verifier(new(SignatureAlg.RsaPkcs1Sha256, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        Assert.False(verifier.Verify(Message, rsa.SignData(Message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss)));
        Assert.False(verifier.Verify(Message, rsa.SignData(Message, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1)));
    }

    [Fact]
    public void Our_signature_verifies_with_dotnet()
    {
        var key = TestKeys.For(SignatureAlg.RsaPkcs1Sha256);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.Descriptor.PublicKey!), out _);
        Assert.Equal(3072, rsa.KeySize);
        Assert.True(rsa.VerifyData(Message, key.Sign(Message), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
