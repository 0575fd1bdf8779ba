using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary>Signatures made by .NET's own ECDsa (as a provider's .NET or WebCrypto client would) verify with ours.</summary>
public class EcdsaP256InteropTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("anchor-batch:v1\n{\"keyId\":\"k\",\"provider\":\"p\",\"root\":\"00\",\"size\":\"1\"}");

    [Fact]
    public void DotNet_p1363_signature_verifies_with_key_as_spki()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signature = ecdsa.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        var verifier = TestKeys.Verifier(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo())));
        Assert.True(verifier.Verify(Message, signature));
        Assert.False(verifier.Verify(Message[1..], signature));
    }

    [Fact]
    public void DotNet_p1363_signature_verifies_with_key_as_self_signed_certificate()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=Example Notary, O=Example, C=CN", ecdsa, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
        var signature = ecdsa.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        var verifier = TestKeys.Verifier(new(SignatureAlg.EcdsaP256Sha256, Certificates: [Convert.ToBase64String(certificate.RawData)]));
        Assert.True(verifier.Verify(Message, signature));
        Assert.False(verifier.Verify(Message, TestKeys.For(SignatureAlg.EcdsaP256Sha256).Sign(Message)));
    }

    [Fact]
    public void Leaf_certificate_of_a_chain_is_the_key()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Example CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var leaf = new CertificateRequest("CN=Provider", leafKey, HashAlgorithmName.SHA256)
            .Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1), [1, 2, 3, 4]);

        var chain = new[] { Convert.ToBase64String(leaf.RawData), Convert.ToBase64String(ca.RawData) };
        var verifier = TestKeys.Verifier(new(SignatureAlg.EcdsaP256Sha256, Certificates: chain));
        Assert.True(verifier.Verify(Message, leafKey.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
        Assert.False(verifier.Verify(Message, caKey.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
    }

    [Fact]
    public void Der_encoded_ecdsa_signature_is_not_the_wire_format()
    {
        // DESIGN A2 fixes r||s; a DER (RFC 3279) signature of the right key is refused rather than guessed at.
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = ecdsa.SignData(Message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        var verifier = TestKeys.Verifier(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo())));
        Assert.False(verifier.Verify(Message, der));
    }

    [Fact]
    public void Our_signature_verifies_with_dotnet()
    {
        var key = TestKeys.For(SignatureAlg.EcdsaP256Sha256);
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key.Descriptor.PublicKey!), out _);
        Assert.True(ecdsa.VerifyData(Message, key.Sign(Message), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }
}
