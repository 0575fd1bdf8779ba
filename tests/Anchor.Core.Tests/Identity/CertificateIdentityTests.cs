using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Identity;
using Anchor.Core.Records;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Anchor.Core.Tests.Identity;

/// <summary>What a report prints about a certificate, and the places Chinese CAs put the unified social credit code.</summary>
public class CertificateIdentityTests
{
    private const string Code = TestChains.ExampleCreditCode;

    [Fact]
    public void Describe_names_subject_code_serial_and_issuer()
    {
        var chain = TestChains.For(KeyFamily.P256);
        var identity = CertificateIdentity.Read(chain.Leaf.Der);
        Assert.Equal($"CN=Example Signing, O=示例科技有限公司, USCC {Code}, certificate serial {identity.SerialNumber}, issued by C=CN,CN=Example Issuing CA", identity.Describe());
        // .NET prints the serial as uppercase big-endian hex.
        Assert.Equal(X509CertificateLoader.LoadCertificate(chain.Leaf.Der).SerialNumber.ToLowerInvariant(), identity.SerialNumber);

        var root = CertificateIdentity.Read(chain.Root.Der);
        Assert.Null(root.CreditCode);
        Assert.Null(root.Organization);
        Assert.Equal($"CN=Example Root CA, certificate serial {root.SerialNumber}, issued by C=CN,CN=Example Root CA", root.Describe());

        var error = Assert.Throws<AnchorException>(() => CertificateIdentity.Read([0x30, 0x03, 0x02, 0x01, 0x01]));
        Assert.Equal(ErrorCodes.Malformed, error.Code);
    }

    [Fact]
    public void Code_in_the_subject_serial_number_is_read()
    {
        var leaf = Issue(new X509Name("C=CN,O=Example Co,SERIALNUMBER=" + Code + ",CN=Example"));
        Assert.Equal(Code, CertificateIdentity.Read(leaf).CreditCode);
    }

    [Fact]
    public void Citizen_id_in_the_subject_serial_number_is_not_a_code()
    {
        // A personal certificate: the serialNumber holds an ID number that passes both checks of a credit code.
        var leaf = Issue(new X509Name("C=CN,SERIALNUMBER=990000197211260330,CN=Zhang San"));
        Assert.Null(CertificateIdentity.Read(leaf).CreditCode);
    }

    [Theory]
    [InlineData("1.2.156.10260.4.1.4", true)]  // GM/T 0015 enterprise extension, as a PrintableString
    [InlineData("1.2.156.10260.4.1.3", false)] // as bare characters
    [InlineData("1.2.86.11.7.4", true)]
    public void Code_in_a_chinese_ca_extension_is_read(string oid, bool asn1String)
    {
        var value = asn1String ? new DerPrintableString(Code).GetDerEncoded() : System.Text.Encoding.ASCII.GetBytes(Code);
        var leaf = Issue(new X509Name("C=CN,O=Example Co,CN=Example"), (new DerObjectIdentifier(oid), value));
        Assert.Equal(Code, CertificateIdentity.Read(leaf).CreditCode);
    }

    [Fact]
    public void Unrelated_extension_is_not_searched()
    {
        var leaf = Issue(new X509Name("C=CN,O=Example Co,CN=Example"), (new DerObjectIdentifier("1.2.3.4"), new DerPrintableString(Code).GetDerEncoded()));
        Assert.Null(CertificateIdentity.Read(leaf).CreditCode);
    }

    [Fact]
    public void Names_cannot_break_or_reorder_a_report_line()
    {
        var evil = "Example\n✓ provider identity: CN=Some Bank\u202Ekcab";
        var leaf = Issue(new X509Name(new[] { X509Name.C, X509Name.CN }, new[] { "CN", evil }));
        var identity = CertificateIdentity.Read(leaf);
        Assert.Equal("Example\\u000a✓ provider identity: CN=Some Bank\\u202ekcab", identity.CommonName);
        Assert.DoesNotContain('\n', identity.Describe());
        Assert.DoesNotContain('\u202E', identity.Subject + identity.Issuer);

        var trust = CertificateTrust.Create([TestChains.For(KeyFamily.P256).Root.Der]);
        var result = CertificateValidator.Validate([leaf], new Org.BouncyCastle.X509.X509Certificate(leaf).SubjectPublicKeyInfo.GetDerEncoded(), trust, TestChains.Record);
        Assert.Equal(ErrorCodes.CertificateUntrusted, result.Code);
        Assert.Contains("\\u000a", result.Detail);
        Assert.DoesNotContain('\n', result.Detail);
    }

    /// <summary>A self-signed P-256 signing certificate made by BouncyCastle, with extra extensions holding raw octets.</summary>
    private static byte[] Issue(X509Name subject, params (DerObjectIdentifier Oid, byte[] Value)[] extensions)
    {
        var keyGenerator = new ECKeyPairGenerator();
        keyGenerator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, new SecureRandom()));
        var keys = keyGenerator.GenerateKeyPair();
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BcBigInteger.ValueOf(0x0102));
        generator.SetIssuerDN(subject);
        generator.SetSubjectDN(subject);
        generator.SetNotBefore(TestChains.LeafFrom.UtcDateTime);
        generator.SetNotAfter(TestChains.LeafTo.UtcDateTime);
        generator.SetPublicKey(keys.Public);
        generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.DigitalSignature));
        foreach (var (oid, value) in extensions) generator.AddExtension(oid, false, value);
        return generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", keys.Private)).GetEncoded();
    }
}
