using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Core.Tests.Records;

public class EvidenceTests
{
    public static JsonObject Valid() => new()
    {
        ["hashAlg"] = "sha256",
        ["hash"] = new string('a', 64),
        ["contractId"] = "合同-2026-001",
        ["kind"] = "contract.document",
        ["clientTime"] = "2026-11-26T11:00:00.000Z",
        ["nonce"] = "0123456789abcdef0123456789abcdef",
    };

    [Fact]
    public void ValidEvidenceRoundTrips()
    {
        var e = Evidence.FromJson(Valid());
        Assert.Equal(Jcs.Encode(Valid()), Jcs.Encode(e.ToJson()));
    }

    [Theory]
    [InlineData("hash", "abcd", ErrorCodes.HashMalformed)]                       // wrong size for sha256
    [InlineData("hash", "zz", ErrorCodes.HashMalformed)]                         // not hex
    [InlineData("hash", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ErrorCodes.HashMalformed)] // uppercase
    [InlineData("metadataHash", "1234", ErrorCodes.HashMalformed)]
    [InlineData("hashAlg", "md5", ErrorCodes.Malformed)]
    [InlineData("kind", "contract.photo", ErrorCodes.Malformed)]
    [InlineData("nonce", "0123456789abcdef", ErrorCodes.Malformed)]              // 8 bytes, not 16
    [InlineData("nonce", "0123456789ABCDEF0123456789ABCDEF", ErrorCodes.Malformed)]
    [InlineData("clientTime", "2026-11-26T11:00:00Z", ErrorCodes.Malformed)]     // no milliseconds
    [InlineData("clientTime", "2026-11-26 11:00:00.000", ErrorCodes.Malformed)]
    [InlineData("contractId", "", ErrorCodes.Malformed)]
    [InlineData("extra", "x", ErrorCodes.Malformed)]
    public void InvalidEvidenceGetsTheApiCode(string member, string value, string code)
    {
        var json = Valid();
        json[member] = value;
        Assert.Equal(code, Assert.Throws<AnchorException>(() => Evidence.FromJson(json)).Code);
    }

    [Fact]
    public void ContractIdIsLimitedTo256Utf8Bytes()
    {
        var json = Valid();
        json["contractId"] = new string('合', 85); // 255 bytes
        Evidence.FromJson(json);
        json["contractId"] = new string('合', 86); // 258 bytes
        Assert.Contains("256", Assert.Throws<AnchorException>(() => Evidence.FromJson(json)).Message);
    }

    [Fact]
    public void MissingMemberIsMalformed()
    {
        var json = Valid();
        json.Remove("nonce");
        Assert.Equal(ErrorCodes.Malformed, Assert.Throws<AnchorException>(() => Evidence.FromJson(json)).Code);
    }

    [Fact]
    public void SingleStatementIsPrefixedJcs()
    {
        var e = Evidence.FromJson(Valid());
        var statement = Encoding.UTF8.GetString(Statements.Single("acme", "k1", e));
        Assert.Equal(
            "anchor-evidence:v1\n{\"evidence\":{\"clientTime\":\"2026-11-26T11:00:00.000Z\",\"contractId\":\"合同-2026-001\",\"hash\":\""
            + new string('a', 64) + "\",\"hashAlg\":\"sha256\",\"kind\":\"contract.document\",\"nonce\":\"0123456789abcdef0123456789abcdef\"},\"keyId\":\"k1\",\"provider\":\"acme\"}",
            statement);
    }

    [Fact]
    public void BatchStatementCarriesSizeAsString() =>
        Assert.Equal("anchor-batch:v1\n{\"keyId\":\"k\",\"provider\":\"p\",\"root\":\"ab\",\"size\":\"3\"}",
            Encoding.UTF8.GetString(Statements.Batch("p", "k", "ab", 3)));
}
