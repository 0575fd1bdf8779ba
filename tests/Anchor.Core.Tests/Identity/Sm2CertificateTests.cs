using Anchor.Core.Identity;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Identity;

/// <summary>
/// SM2 certificates as an outside implementation issues them: OpenSSL 3.0 signing SM3withSM2 with
/// <c>-sigopt distid:1234567812345678</c> (the GM/T 0009 default user ID that Chinese CAs use) is accepted; the same
/// certificate signed with OpenSSL's own default, an empty ID, is not, nor one signed under any other ID.
/// </summary>
public sealed class Sm2CertificateTests : IDisposable
{
    private readonly OpenSslCli _openssl = new();

    public void Dispose() => _openssl.Dispose();

    private void Run(params string[] args)
    {
        var (exit, output) = _openssl.Run(args);
        Assert.True(exit == 0, $"openssl {string.Join(' ', args)}: {output}");
    }

    [Fact]
    public void Chain_issued_by_openssl_with_the_gmt_0009_id_is_valid()
    {
        Run("genpkey", "-algorithm", "SM2", "-out", "root.key");
        Run("req", "-x509", "-new", "-key", "root.key", "-sm3", "-sigopt", OpenSslCli.Sm2DistId, "-subj", "/C=CN/CN=OpenSSL SM2 Root", "-days", "30",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.pem");
        Run("genpkey", "-algorithm", "SM2", "-out", "leaf.key");
        Run("pkey", "-in", "leaf.key", "-pubout", "-outform", "DER", "-out", "leaf.spki");
        Run("req", "-new", "-key", "leaf.key", "-sm3", "-sigopt", OpenSslCli.Sm2DistId, "-utf8",
            "-subj", $"/C=CN/O=示例科技有限公司/serialNumber={TestChains.ExampleCreditCode}/CN=OpenSSL SM2 Leaf", "-out", "leaf.csr");
        File.WriteAllText(Path.Combine(_openssl.Dir, "leaf.ext"), "keyUsage=critical,digitalSignature,nonRepudiation\n");
        Run("x509", "-req", "-in", "leaf.csr", "-vfyopt", OpenSslCli.Sm2DistId, "-CA", "root.pem", "-CAkey", "root.key", "-sm3",
            "-sigopt", OpenSslCli.Sm2DistId, "-days", "10", "-extfile", "leaf.ext", "-out", "leaf.pem");
        Run("x509", "-req", "-in", "leaf.csr", "-vfyopt", OpenSslCli.Sm2DistId, "-CA", "root.pem", "-CAkey", "root.key", "-sm3",
            "-days", "10", "-extfile", "leaf.ext", "-out", "leaf-empty-id.pem");

        var root = Read("root.pem");
        var leaf = Read("leaf.pem");
        var spki = File.ReadAllBytes(Path.Combine(_openssl.Dir, "leaf.spki"));
        var trust = CertificateTrust.Create([root]);
        var now = DateTimeOffset.UtcNow; // OpenSSL dated the certificates from the clock

        var result = CertificateValidator.Validate([leaf], spki, trust, now);
        Assert.True(result.Valid, result.Detail);
        Assert.Equal("OpenSSL SM2 Leaf", result.Leaf!.CommonName);
        Assert.Equal("示例科技有限公司", result.Leaf.Organization);
        Assert.Equal(TestChains.ExampleCreditCode, result.Leaf.CreditCode); // from the subject's serialNumber
        var descriptor = new KeyDescriptor(SignatureAlg.Sm2Sm3, Convert.ToBase64String(spki), Certificates: [Convert.ToBase64String(leaf), Convert.ToBase64String(root)]);
        Assert.True(CertificateValidator.Validate(descriptor, trust, now).Valid);

        var emptyId = CertificateValidator.Validate([Read("leaf-empty-id.pem")], spki, trust, now);
        Assert.Equal(ErrorCodes.CertificateUntrusted, emptyId.Code);
        Assert.Contains("certificates[0]", emptyId.Detail);
    }

    [Fact]
    public void Certificate_signed_under_another_user_id_is_untrusted()
    {
        var chain = TestChains.For(KeyFamily.Sm2);
        var intermediate = (Sm2Ca)chain.Intermediate;
        var leaf = intermediate.IssueLeafWithUserId(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, "ALICE123@YAHOO.COM"u8.ToArray());
        var spki = SpkiOf(leaf);
        var result = CertificateValidator.Validate([leaf, intermediate.Der], spki, chain.Trust(), TestChains.Record);
        Assert.Equal(ErrorCodes.CertificateUntrusted, result.Code);
        Assert.Contains("certificates[0]", result.Detail);
        // The same construction with the default ID passes, so the ID alone made the difference.
        var good = intermediate.IssueLeafWithUserId(TestChains.LeafName, TestChains.LeafFrom, TestChains.LeafTo, "1234567812345678"u8.ToArray());
        Assert.True(CertificateValidator.Validate([good, intermediate.Der], SpkiOf(good), chain.Trust(), TestChains.Record).Valid);
    }

    private static byte[] SpkiOf(byte[] certificate) =>
        new Org.BouncyCastle.X509.X509Certificate(certificate).SubjectPublicKeyInfo.GetDerEncoded();

    private byte[] Read(string pem) => Assert.Single(CertificateFile.Certificates(File.ReadAllBytes(Path.Combine(_openssl.Dir, pem)), pem));
}
