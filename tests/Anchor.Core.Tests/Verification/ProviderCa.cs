using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Verification;

/// <summary>A P-256 CA made in the test, and provider keys it certifies (with the private key, so the test can sign).</summary>
internal sealed class ProviderCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public X509Certificate2 Root { get; }

    public ProviderCa(string name = "CN=Test Provider CA, O=Test Trust Services, C=CN")
    {
        var request = new CertificateRequest(name, _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Root = request.CreateSelfSigned(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2034, 1, 1, 0, 0, 0, TimeSpan.Zero));
    }

    public string Pem => Root.ExportCertificatePem();

    /// <summary>A new ecdsa-p256 signing key and its descriptor with the chain (leaf only; the root is the verifier's).</summary>
    public (SigningKey Key, KeyDescriptor Descriptor) Certify(DateTimeOffset from, DateTimeOffset to, string subject = "CN=Acme Signing, O=Acme e-contracts, C=CN")
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        if (!SigningKey.TryFromPrivateKey(SignatureAlg.EcdsaP256Sha256, leafKey.ExportPkcs8PrivateKey(), out var signing, out var error))
            throw new InvalidOperationException(error);
        var request = new CertificateRequest(subject, leafKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, true));
        using var leaf = request.Create(Root, from, to, RandomNumberGenerator.GetBytes(12));
        return (signing, signing.Descriptor with { Certificates = [Convert.ToBase64String(leaf.RawData)] });
    }

    /// <summary>A CRL of this CA that revokes <paramref name="certificate"/> (DER) from <paramref name="at"/>.</summary>
    public byte[] Crl(byte[] certificate, DateTimeOffset at)
    {
        using var revoked = X509CertificateLoader.LoadCertificate(certificate);
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked, at);
        return builder.Build(Root, 1, at.AddDays(30), HashAlgorithmName.SHA256, thisUpdate: at);
    }

    public void Dispose()
    {
        Root.Dispose();
        _key.Dispose();
    }
}
