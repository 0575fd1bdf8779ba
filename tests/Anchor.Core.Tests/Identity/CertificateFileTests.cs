using System.Security.Cryptography;
using System.Text;
using Anchor.Core.Identity;
using Anchor.Core.Records;

namespace Anchor.Core.Tests.Identity;

/// <summary>Certificate and CRL files as operators keep them: DER, or PEM bundles with text around the blocks.</summary>
public class CertificateFileTests
{
    private static string Pem(string label, byte[] der) => new(PemEncoding.Write(label, der));

    [Fact]
    public void Pem_bundle_and_der_give_the_same_certificates()
    {
        var chain = TestChains.For(KeyFamily.Sm2);
        var bundle = "Example Root CA\n" + Pem("CERTIFICATE", chain.Root.Der) + "\n\n# issuing CA\n" + Pem("CERTIFICATE", chain.Intermediate.Der) + "\n";
        var certificates = CertificateFile.Certificates(Encoding.ASCII.GetBytes(bundle), "roots.pem");
        Assert.Equal([chain.Root.Der, chain.Intermediate.Der], certificates);
        Assert.Equal([chain.Root.Der], CertificateFile.Certificates(chain.Root.Der, "root.der"));
    }

    [Fact]
    public void Crl_files_are_read_as_pem_or_der()
    {
        var chain = TestChains.For(KeyFamily.P256);
        var crl = chain.Intermediate.Crl([], TestChains.LeafFrom, TestChains.LeafTo);
        Assert.Equal([crl], CertificateFile.Crls(Encoding.ASCII.GetBytes(Pem("X509 CRL", crl)), "issuing.crl"));
        Assert.Equal([crl], CertificateFile.Crls(crl, "issuing.crl"));
    }

    [Fact]
    public void Anything_else_is_refused_by_name()
    {
        var chain = TestChains.For(KeyFamily.P256);
        var error = Assert.Throws<AnchorException>(() => CertificateFile.Certificates(Encoding.ASCII.GetBytes(Pem("CERTIFICATE", chain.Root.Der) + "\n" + Pem("PRIVATE KEY", [1, 2, 3])), "roots.pem"));
        Assert.Equal(ErrorCodes.Malformed, error.Code);
        Assert.Equal("roots.pem: PEM block 2 is 'PRIVATE KEY', want 'CERTIFICATE'", error.Detail);
        Assert.Equal("roots.pem: no PEM 'CERTIFICATE' block", Assert.Throws<AnchorException>(() => CertificateFile.Certificates("hello"u8.ToArray(), "roots.pem")).Detail);
        Assert.Equal("root.der: not a DER CERTIFICATE (nor PEM)", Assert.Throws<AnchorException>(() => CertificateFile.Certificates([0x30, 0x00], "root.der")).Detail);
        Assert.Equal("roots.pem: PEM block 1 is not a CERTIFICATE", Assert.Throws<AnchorException>(() => CertificateFile.Certificates(Encoding.ASCII.GetBytes(Pem("CERTIFICATE", [0x30, 0x00])), "roots.pem")).Detail);
        Assert.Equal("issuing.crl: not a DER X509 CRL (nor PEM)", Assert.Throws<AnchorException>(() => CertificateFile.Crls(chain.Root.Der, "issuing.crl")).Detail);
    }
}
