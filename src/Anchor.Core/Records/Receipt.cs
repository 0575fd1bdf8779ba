using System.Text.Json.Nodes;
using Anchor.Core.Json;

namespace Anchor.Core.Records;

/// <summary>
/// The node's promise that an entry is durably sequenced at LeafIndex (DESIGN A3).
/// Sig is the log key's Ed25519 signature over <c>anchor-receipt:v1\n</c> || JCS of the other four members.
/// </summary>
public sealed record Receipt(string Origin, string LeafIndex, string LeafHash, string Time, string Sig)
{
    public const string Prefix = "anchor-receipt:v1\n";

    public static byte[] SigningMessage(string origin, string leafIndex, string leafHash, string time) =>
        Jcs.Encode(Prefix, new JsonObject
        {
            ["origin"] = origin,
            ["leafIndex"] = leafIndex,
            ["leafHash"] = leafHash,
            ["time"] = time,
        });

    public byte[] SigningMessage() => SigningMessage(Origin, LeafIndex, LeafHash, Time);

    /// <summary>True when <see cref="Sig"/> is the log key's signature over the other four members.</summary>
    public bool VerifySignature(Checkpoints.VerifierKey logKey)
    {
        try
        {
            return Signatures.Ed25519Verifier.VerifyRaw(logKey.PublicKey, SigningMessage(), Convert.FromBase64String(Sig));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public JsonObject ToJson() => new()
    {
        ["origin"] = Origin,
        ["leafIndex"] = LeafIndex,
        ["leafHash"] = LeafHash,
        ["time"] = Time,
        ["sig"] = Sig,
    };

    public static Receipt FromJson(JsonNode? node)
    {
        const string what = "receipt";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "origin", "leafIndex", "leafHash", "time", "sig");
        return new Receipt(
            JsonFields.Required(obj, "origin", what),
            JsonFields.Required(obj, "leafIndex", what),
            JsonFields.Required(obj, "leafHash", what),
            JsonFields.Required(obj, "time", what),
            JsonFields.Required(obj, "sig", what));
    }
}
