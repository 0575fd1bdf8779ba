using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>
/// One TSA's RFC 3161 time-stamp of a checkpoint, as a proof bundle carries it (DESIGN A3):
/// <c>{ "tsa": name, "hashAlg": "sha256" | "sm3", "token": base64 DER TimeStampToken }</c>. The token is the CMS
/// ContentInfo (not the whole TimeStampResp), and its message imprint is the hash of the bundle's checkpoint body.
/// <c>tsa</c> is the node's label for the TSA; what a verifier trusts is the root the token's signer chains to.
/// </summary>
public sealed record TsaTimestamp(string Tsa, string HashAlg, string Token)
{
    public JsonObject ToJson() => new() { ["tsa"] = Tsa, ["hashAlg"] = HashAlg, ["token"] = Token };

    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("tsa"u8, Tsa);
        writer.WriteString("hashAlg"u8, HashAlg);
        writer.WriteString("token"u8, Token);
        writer.WriteEndObject();
    }

    public static TsaTimestamp FromJson(JsonNode? node)
    {
        const string what = "timestamp";
        var obj = JsonFields.Object(node, what);
        return new TsaTimestamp(JsonFields.Required(obj, "tsa", what), JsonFields.Required(obj, "hashAlg", what), JsonFields.Required(obj, "token", what));
    }
}
