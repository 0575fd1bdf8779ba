using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

public class SigningKeyFileTests
{
    public static TheoryData<SignatureAlg> Algs => TestKeys.AllAlgs();

    [Theory, MemberData(nameof(Algs))]
    public void Export_then_import_gives_the_same_key(SignatureAlg alg)
    {
        var original = TestKeys.For(alg);
        var text = original.Export();
        using var imported = SigningKey.Import(text);
        Assert.Equal(alg, imported.Alg);
        Assert.Equal(original.Descriptor, imported.Descriptor);
        Assert.Equal(text, imported.Export());
        Assert.DoesNotContain("\\u", text); // base64 '+' and '/' are written as they are
        Assert.True(TestKeys.VerifierFor(alg).Verify("x"u8, imported.Sign("x"u8)));
    }

    [Theory, MemberData(nameof(Algs))]
    public void Key_file_holds_alg_private_key_and_public_part(SignatureAlg alg)
    {
        var json = JsonNode.Parse(TestKeys.For(alg).Export())!.AsObject();
        Assert.Equal(SignatureAlgs.ToWire(alg), json["alg"]!.GetValue<string>());
        var privateKey = Convert.FromBase64String(json["privateKey"]!.GetValue<string>());
        if (alg is SignatureAlg.Ed25519 or SignatureAlg.EthPersonal) Assert.Equal(32, privateKey.Length);
        else Assert.Equal(0x30, privateKey[0]); // a DER SEQUENCE: PKCS#8
        Assert.Equal(alg == SignatureAlg.EthPersonal, json.ContainsKey("address"));
        Assert.Equal(alg != SignatureAlg.EthPersonal, json.ContainsKey("publicKey"));
    }

    [Fact]
    public void Base64_plus_is_written_literally()
    {
        // The first seed (0, 1, 2, ...) whose public key has a '+', which System.Text.Json escapes by default.
        for (byte i = 0; ; i++)
        {
            var seed = new byte[32];
            seed[0] = i;
            Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Ed25519, seed, out var key, out var error), error);
            using (key)
            {
                if (!key.Descriptor.PublicKey!.Contains('+')) continue;
                Assert.Contains($"\"publicKey\": \"{key.Descriptor.PublicKey}\"", key.Export());
                return;
            }
        }
    }

    [Fact]
    public void Pkcs8_is_readable_by_dotnet()
    {
        var json = JsonNode.Parse(TestKeys.For(SignatureAlg.EcdsaP256Sha256).Export())!;
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(json["privateKey"]!.GetValue<string>()), out _);
        Assert.Equal(json["publicKey"]!.GetValue<string>(), Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo()));
    }

    [Fact]
    public void Public_part_is_optional_but_must_match_when_present()
    {
        var json = JsonNode.Parse(TestKeys.For(SignatureAlg.Ed25519).Export())!.AsObject();
        json.Remove("publicKey");
        Assert.True(SigningKey.TryImport(json.ToJsonString(), out var key, out var error), error);
        key.Dispose();

        json["publicKey"] = TestKeys.For(SignatureAlg.Ed25519).Descriptor.PublicKey == Convert.ToBase64String(new byte[32])
            ? Convert.ToBase64String(new byte[31]) : Convert.ToBase64String(new byte[32]);
        Assert.False(SigningKey.TryImport(json.ToJsonString(), out key, out error));
        Assert.Null(key);
        Assert.Equal("the key file's public part does not belong to its private key", error);

        var eth = JsonNode.Parse(TestKeys.For(SignatureAlg.EthPersonal).Export())!.AsObject();
        eth["address"] = eth["address"]!.GetValue<string>().ToLowerInvariant(); // another spelling of the same address
        Assert.True(SigningKey.TryImport(eth.ToJsonString(), out key, out error), error);
        key.Dispose();
        eth["address"] = TestKeys.VerifierFor(SignatureAlg.EthPersonal).Key.Address == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
            ? "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359" : "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        Assert.False(SigningKey.TryImport(eth.ToJsonString(), out _, out error));
        Assert.Equal("the key file's public part does not belong to its private key", error);
    }

    [Theory]
    [InlineData("", "the key file is not a JSON object")]
    [InlineData("[]", "the key file is not a JSON object")]
    [InlineData("{\"alg\":\"ed25519\"", "the key file is not a JSON object")]
    [InlineData("{\"privateKey\":\"AAAA\"}", "the key file's alg is missing")]
    [InlineData("{\"alg\":\"dsa\",\"privateKey\":\"AAAA\"}", "the key file's unknown alg 'dsa' (expected one of ed25519, ecdsa-p256-sha256, rsa-pkcs1-sha256, sm2-sm3, eth-personal)")]
    [InlineData("{\"alg\":\"ed25519\"}", "the key file has no privateKey string")]
    [InlineData("{\"alg\":\"ed25519\",\"privateKey\":5}", "the key file has no privateKey string")]
    [InlineData("{\"alg\":\"ed25519\",\"privateKey\":\"***\"}", "the key file's privateKey is not base64")]
    [InlineData("{\"alg\":\"ed25519\",\"privateKey\":\"AAAA\"}", "ed25519: privateKey must be the 32-byte seed, got 3 bytes")]
    [InlineData("{\"alg\":\"eth-personal\",\"privateKey\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}", "eth-personal: privateKey must be a 32-byte secp256k1 secret in [1, n-1], got 32 bytes")]
    [InlineData("{\"alg\":\"sm2-sm3\",\"privateKey\":\"AAAA\"}", "sm2-sm3: privateKey is not a DER PKCS#8 PrivateKeyInfo")]
    public void Malformed_key_files_are_refused_with_a_reason(string text, string expected)
    {
        Assert.False(SigningKey.TryImport(text, out var key, out var error));
        Assert.Null(key);
        Assert.Equal(expected, error);
        Assert.Equal(expected, Assert.Throws<FormatException>(() => SigningKey.Import(text)).Message);
    }

    [Theory]
    [InlineData(SignatureAlg.RsaPkcs1Sha256, SignatureAlg.EcdsaP256Sha256, "ecdsa-p256-sha256: the key is an RSA key, not an EC key on P-256")]
    [InlineData(SignatureAlg.EcdsaP256Sha256, SignatureAlg.Sm2Sm3, "sm2-sm3: the key is an EC key on P-256, not an EC key on sm2p256v1")]
    [InlineData(SignatureAlg.Sm2Sm3, SignatureAlg.EcdsaP256Sha256, "ecdsa-p256-sha256: the key is an EC key on sm2p256v1, not an EC key on P-256")]
    [InlineData(SignatureAlg.Sm2Sm3, SignatureAlg.RsaPkcs1Sha256, "rsa-pkcs1-sha256: the key is an EC key on sm2p256v1, not an RSA key")]
    [InlineData(SignatureAlg.EcdsaP256Sha256, SignatureAlg.Ed25519, "ed25519: privateKey must be the 32-byte seed, got 138 bytes")]
    public void Private_key_of_another_scheme_is_named(SignatureAlg actual, SignatureAlg stated, string expected)
    {
        var json = JsonNode.Parse(TestKeys.For(actual).Export())!.AsObject();
        json["alg"] = SignatureAlgs.ToWire(stated);
        json.Remove("publicKey");
        Assert.False(SigningKey.TryImport(json.ToJsonString(), out _, out var error));
        Assert.Equal(expected, error);
    }

    [Theory, MemberData(nameof(Algs))]
    public void Generated_keys_differ(SignatureAlg alg)
    {
        if (alg == SignatureAlg.RsaPkcs1Sha256) return; // covered by the other schemes; RSA generation is slow
        using var a = SigningKey.Generate(alg);
        using var b = SigningKey.Generate(alg);
        Assert.NotEqual(a.Descriptor, b.Descriptor);
    }
}
