using System.Text.Json.Nodes;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

public class KeyDescriptorJsonTests
{
    [Fact]
    public void Members_appear_only_when_present()
    {
        Assert.Equal("""{"alg":"ed25519","publicKey":"AAAA"}""", new KeyDescriptor(SignatureAlg.Ed25519, "AAAA").ToJson().ToJsonString());
        Assert.Equal("""{"alg":"eth-personal","address":"0xab"}""", new KeyDescriptor(SignatureAlg.EthPersonal, Address: "0xab").ToJson().ToJsonString());
        Assert.Equal("""{"alg":"sm2-sm3","certificates":["Y2VydA=="]}""",
            new KeyDescriptor(SignatureAlg.Sm2Sm3, Certificates: ["Y2VydA=="]).ToJson().ToJsonString());
    }

    public static TheoryData<SignatureAlg> Algs => TestKeys.AllAlgs();

    [Theory, MemberData(nameof(Algs))]
    public void Generated_descriptors_round_trip_and_verify(SignatureAlg alg)
    {
        var descriptor = TestKeys.For(alg).Descriptor;
        var text = descriptor.ToJson().ToJsonString();
        Assert.True(KeyDescriptor.TryFromJson(JsonNode.Parse(text)!.AsObject(), out var parsed, out var error), error);
        Assert.Equal(descriptor, parsed);
        Assert.Equal(SignatureAlgs.ToWire(alg), JsonNode.Parse(text)!["alg"]!.GetValue<string>());
        TestKeys.Verifier(parsed);
    }

    [Fact]
    public void Certificates_compare_by_content()
    {
        var a = new KeyDescriptor(SignatureAlg.RsaPkcs1Sha256, Certificates: ["AAAA", "BBBB"]);
        var b = new KeyDescriptor(SignatureAlg.RsaPkcs1Sha256, Certificates: new List<string> { "AAAA", "BBBB" });
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Certificates = ["AAAA"] });
        Assert.NotEqual(a, b with { Certificates = null });
    }

    [Fact]
    public void Other_members_such_as_keyId_are_ignored()
    {
        var json = JsonNode.Parse("""{"keyId":"k1","alg":"eth-personal","address":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}""")!.AsObject();
        Assert.True(KeyDescriptor.TryFromJson(json, out var parsed, out var error), error);
        Assert.Equal(new KeyDescriptor(SignatureAlg.EthPersonal, Address: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), parsed);
    }

    [Theory]
    [InlineData("""{}""", "alg is missing")]
    [InlineData("""{"alg":"Ed25519","publicKey":"AAAA"}""", "unknown alg 'Ed25519' (expected one of ed25519, ecdsa-p256-sha256, rsa-pkcs1-sha256, sm2-sm3, eth-personal)")]
    [InlineData("""{"alg":1}""", "alg must be a string")]
    [InlineData("""{"alg":"ed25519","publicKey":null}""", "publicKey must be a string")]
    [InlineData("""{"alg":"eth-personal","address":7}""", "address must be a string")]
    [InlineData("""{"alg":"sm2-sm3","certificates":"AAAA"}""", "certificates must be an array of base64 strings")]
    [InlineData("""{"alg":"sm2-sm3","certificates":["AAAA",null]}""", "certificates must be an array of base64 strings")]
    [InlineData("""{"alg":"sm2-sm3","certificates":[{}]}""", "certificates must be an array of base64 strings")]
    public void Malformed_json_is_refused_with_a_reason(string text, string expected)
    {
        Assert.False(KeyDescriptor.TryFromJson(JsonNode.Parse(text)!.AsObject(), out var parsed, out var error));
        Assert.Null(parsed);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Wire_names_parse_exactly()
    {
        foreach (var alg in SignatureAlgs.All)
        {
            Assert.True(SignatureAlgs.TryParse(SignatureAlgs.ToWire(alg), out var parsed));
            Assert.Equal(alg, parsed);
        }
        Assert.Equal(Enum.GetValues<SignatureAlg>(), SignatureAlgs.All);
        Assert.False(SignatureAlgs.TryParse(null, out _));
        Assert.False(SignatureAlgs.TryParse("ED25519", out _));
        Assert.False(SignatureAlgs.TryParse(" ed25519", out _));
    }
}
