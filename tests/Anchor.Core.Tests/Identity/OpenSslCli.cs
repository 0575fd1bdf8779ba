using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Anchor.Core.Tests.Identity;

/// <summary>
/// The openssl command line (3.0) in a temporary folder: the implementation that is not ours.
/// <para>
/// For SM2, OpenSSL 3.0 verifies with an empty distinguishing ID unless told otherwise, and <c>openssl verify -vfyopt
/// distid:…</c> sets the ID only on the certificate being verified (apps/lib/apps_x509.c puts it into that X509 object),
/// not on intermediates nor on CRLs. So an SM2 chain signed with the GM/T 0009 default ID is verified link by link:
/// the intermediate against the root, then the leaf against the intermediate as a partial-chain anchor. And an SM2 CRL
/// signed with that ID fails <c>-crl_check</c> with "CRL signature failure" whatever it lists, so its signature is
/// checked with <c>openssl pkeyutl -verify -pkeyopt distid:…</c> and its entries read with <c>openssl crl -text</c>.
/// </para>
/// </summary>
internal sealed class OpenSslCli : IDisposable
{
    public const string Sm2DistId = "distid:1234567812345678";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("anchor-x509-");

    public string Dir => _dir.FullName;

    public string Pem(string name, byte[] der, string label = "CERTIFICATE")
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, new string(PemEncoding.Write(label, der)) + "\n");
        return path;
    }

    public string Der(string name, byte[] der)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, der);
        return path;
    }

    public (int Exit, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>
    /// <c>openssl verify</c> of leaf ← intermediate ← root at <paramref name="at"/> (<c>-attime</c>), with
    /// <c>-crl_check -CRLfile</c> when an RSA or P-256 CRL of the intermediate is given.
    /// </summary>
    public (bool Ok, string Output) VerifyChain(KeyFamily family, byte[] root, byte[] intermediate, byte[] leaf, DateTimeOffset at, byte[]? crl = null)
    {
        var time = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var rootPem = Pem("root.pem", root);
        var intermediatePem = Pem("intermediate.pem", intermediate);
        var leafPem = Pem("leaf.pem", leaf);
        if (family == KeyFamily.Sm2)
        {
            Assert.Null(crl); // see the class comment: SM2 CRLs are checked with CheckSm2Crl
            var up = Run("verify", "-vfyopt", Sm2DistId, "-attime", time, "-CAfile", rootPem, intermediatePem);
            if (up.Exit != 0) return (false, up.Output);
            var down = Run("verify", "-vfyopt", Sm2DistId, "-attime", time, "-partial_chain", "-CAfile", intermediatePem, leafPem);
            return (down.Exit == 0, up.Output + down.Output);
        }
        List<string> args = ["verify", "-attime", time, "-CAfile", rootPem, "-untrusted", intermediatePem];
        if (crl is not null) args.AddRange(["-crl_check", "-CRLfile", Pem("crl.pem", crl, "X509 CRL")]);
        args.Add(leafPem);
        var result = Run([.. args]);
        return (result.Exit == 0, result.Output);
    }

    /// <summary>
    /// Whether OpenSSL finds an SM2 CRL signed by <paramref name="issuer"/>'s key under the GM/T 0009 user ID
    /// (<c>pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:…</c> over the DER tbsCertList) and listing <paramref name="serialHex"/>.
    /// </summary>
    public (bool Verifies, bool Lists, string Output) CheckSm2Crl(byte[] crl, byte[] issuer, string serialHex)
    {
        var parsed = new Org.BouncyCastle.X509.X509Crl(crl); // only to cut the CRL into its signed part and its signature
        var tbs = Der("crl-tbs.der", parsed.GetTbsCertList());
        var signature = Der("crl-signature.der", parsed.GetSignature());
        var key = Run("x509", "-in", Pem("issuer.pem", issuer), "-noout", "-pubkey", "-out", "issuer-key.pem");
        Assert.True(key.Exit == 0, key.Output);
        var verify = Run("pkeyutl", "-verify", "-pubin", "-inkey", "issuer-key.pem", "-rawin", "-digest", "sm3", "-pkeyopt", Sm2DistId, "-in", tbs, "-sigfile", signature);
        var text = Run("crl", "-inform", "DER", "-in", Der("crl.der", crl), "-noout", "-text");
        Assert.True(text.Exit == 0, text.Output);
        return (verify.Exit == 0, text.Output.Contains("Serial Number: " + serialHex.ToUpperInvariant(), StringComparison.Ordinal), verify.Output + text.Output);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
