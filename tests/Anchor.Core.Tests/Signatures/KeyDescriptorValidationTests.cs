using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary>Refused descriptors, each with the one-line reason an operator reads in the admin API's answer.</summary>
public class KeyDescriptorValidationTests
{
    private static string Refusal(KeyDescriptor descriptor)
    {
        Assert.False(SignatureVerifier.TryCreate(descriptor, out var verifier, out var error));
        Assert.Null(verifier);
        Assert.DoesNotContain('\n', error);
        return error;
    }

    private static string Spki(SignatureAlg alg) => TestKeys.For(alg).Descriptor.PublicKey!;

    [Fact]
    public void Ed25519_key_must_be_raw_32_bytes()
    {
        Assert.Contains("got 31 bytes", Refusal(new(SignatureAlg.Ed25519, Convert.ToBase64String(new byte[31]))));
        // An SPKI-wrapped Ed25519 key is 44 bytes; the error says how to fix it.
        Assert.Contains("an SPKI?", Refusal(new(SignatureAlg.Ed25519, Convert.ToBase64String(new byte[44]))));
        Assert.Contains("is required", Refusal(new(SignatureAlg.Ed25519)));
        Assert.Contains("is not base64", Refusal(new(SignatureAlg.Ed25519, "not base64!")));
    }

    [Fact]
    public void Members_of_other_schemes_are_refused()
    {
        var address = TestKeys.For(SignatureAlg.EthPersonal).Descriptor.Address;
        Assert.Contains("address belongs to eth-personal", Refusal(new(SignatureAlg.EcdsaP256Sha256, Spki(SignatureAlg.EcdsaP256Sha256), address)));
        Assert.Contains("address only", Refusal(new(SignatureAlg.EthPersonal, Spki(SignatureAlg.EcdsaP256Sha256), address)));
        Assert.Contains("address only", Refusal(new(SignatureAlg.EthPersonal, null, address, [])));
        Assert.Contains("certificates are accepted only for", Refusal(TestKeys.For(SignatureAlg.Ed25519).Descriptor with { Certificates = [] }));
    }

    [Fact]
    public void Spki_of_the_wrong_algorithm_or_curve_is_named()
    {
        Assert.Equal("ecdsa-p256-sha256: the key is an RSA key, not an EC key on P-256",
            Refusal(new(SignatureAlg.EcdsaP256Sha256, Spki(SignatureAlg.RsaPkcs1Sha256))));
        Assert.Equal("sm2-sm3: the key is an EC key on P-256, not an EC key on sm2p256v1",
            Refusal(new(SignatureAlg.Sm2Sm3, Spki(SignatureAlg.EcdsaP256Sha256))));
        Assert.Equal("ecdsa-p256-sha256: the key is an EC key on sm2p256v1, not an EC key on P-256",
            Refusal(new(SignatureAlg.EcdsaP256Sha256, Spki(SignatureAlg.Sm2Sm3))));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.Contains("an EC key on curve 1.3.132.0.34", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(p384.ExportSubjectPublicKeyInfo()))));
        using var explicitCurve = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var explicitParameters = explicitCurve.ExportExplicitParameters(includePrivateParameters: false);
        using var explicitKey = ECDsa.Create(explicitParameters);
        Assert.Contains("explicit", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(explicitKey.ExportSubjectPublicKeyInfo()))));
    }

    [Fact]
    public void Secp256k1_spki_points_to_eth_personal()
    {
        // SPKI (id-ecPublicKey, secp256k1) of the curve's generator point.
        var spki = Convert.ToBase64String(Hex.Decode("3056301006072a8648ce3d020106052b8104000a034200"
            + "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
            + "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8"));
        Assert.Contains("secp256k1 (Ethereum keys are registered by address", Refusal(new(SignatureAlg.EcdsaP256Sha256, spki)));
    }

    [Fact]
    public void Spki_must_be_exact_der()
    {
        var spki = Convert.FromBase64String(Spki(SignatureAlg.EcdsaP256Sha256));
        Assert.Contains("not a base64 DER SubjectPublicKeyInfo", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String([.. spki, 0]))));
        Assert.Contains("not a base64 DER SubjectPublicKeyInfo", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(spki[..^1]))));
        // The same SEQUENCE with a long-form length (BER) is another spelling of the key.
        byte[] ber = [spki[0], 0x81, .. spki[1..]];
        Assert.Contains("not a base64 DER SubjectPublicKeyInfo", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(ber))));
        Assert.Contains("publicKey (base64 DER SubjectPublicKeyInfo) or certificates is required", Refusal(new(SignatureAlg.RsaPkcs1Sha256)));
    }

    [Fact]
    public void Point_off_the_curve_is_refused()
    {
        var spki = Convert.FromBase64String(Spki(SignatureAlg.EcdsaP256Sha256));
        spki[^1] ^= 1; // y no longer matches x
        Assert.Contains("not a valid P-256 point", Refusal(new(SignatureAlg.EcdsaP256Sha256, Convert.ToBase64String(spki))));
        var sm2 = Convert.FromBase64String(Spki(SignatureAlg.Sm2Sm3));
        sm2[^1] ^= 1;
        Assert.Contains("not a valid sm2p256v1 point", Refusal(new(SignatureAlg.Sm2Sm3, Convert.ToBase64String(sm2))));
    }

    [Fact]
    public void Small_rsa_modulus_is_refused()
    {
        using var rsa = RSA.Create(1024);
        Assert.Contains("1024-bit modulus is not accepted", Refusal(new(SignatureAlg.RsaPkcs1Sha256, Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()))));
    }

    [Fact]
    public void Certificates_must_parse_and_agree_with_publicKey()
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=provider", ecdsa, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var der = Convert.ToBase64String(certificate.RawData);
        var ownSpki = Convert.ToBase64String(ecdsa.ExportSubjectPublicKeyInfo());

        Assert.True(SignatureVerifier.TryCreate(new(SignatureAlg.EcdsaP256Sha256, ownSpki, null, [der]), out _, out var error), error);
        Assert.Contains("differs from the leaf certificate",
            Refusal(new(SignatureAlg.EcdsaP256Sha256, Spki(SignatureAlg.EcdsaP256Sha256), null, [der])));
        Assert.Contains("certificates is empty", Refusal(new(SignatureAlg.EcdsaP256Sha256, ownSpki, null, [])));
        Assert.Contains("certificates[0] is not", Refusal(new(SignatureAlg.EcdsaP256Sha256, null, null, [ownSpki])));
        Assert.Contains("certificates[1] is not", Refusal(new(SignatureAlg.EcdsaP256Sha256, null, null, [der, "AAAA"])));
        Assert.Contains("certificates[0] is not", Refusal(new(SignatureAlg.EcdsaP256Sha256, null, null, ["%%%"])));
        // A certificate whose key is of another scheme.
        Assert.Contains("the key is an EC key on P-256, not an RSA key", Refusal(new(SignatureAlg.RsaPkcs1Sha256, null, null, [der])));
    }

    [Fact]
    public void Ethereum_address_must_be_well_formed_and_checksummed_when_mixed_case()
    {
        Assert.Contains("is required", Refusal(new(SignatureAlg.EthPersonal)));
        Assert.Contains("40 hex digits", Refusal(new(SignatureAlg.EthPersonal, Address: "0x1234")));
        Assert.Contains("40 hex digits", Refusal(new(SignatureAlg.EthPersonal, Address: "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")));
        Assert.Contains("40 hex digits", Refusal(new(SignatureAlg.EthPersonal, Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg")));
        Assert.Contains("wrong EIP-55 checksum", Refusal(new(SignatureAlg.EthPersonal, Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")));
        foreach (var spelling in new[] { "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED" })
            Assert.True(SignatureVerifier.TryCreate(new(SignatureAlg.EthPersonal, Address: spelling), out _, out var error), error);
    }
}
