using System.Buffers;
using System.Text;
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

    /// <summary>The signed bytes, written in RFC 8785 member order (leafHash, leafIndex, origin, time); equal to JCS (tested).</summary>
    public static byte[] SigningMessage(string origin, string leafIndex, string leafHash, string time)
    {
        var output = new ArrayBufferWriter<byte>(256);
        Encoding.ASCII.GetBytes(Prefix, output);
        Write(output, origin, leafIndex, leafHash, time, null);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>JCS of the whole receipt, sig included: what the API answers.</summary>
    public byte[] Canonical()
    {
        var output = new ArrayBufferWriter<byte>(256);
        Write(output, Origin, LeafIndex, LeafHash, Time, Sig);
        return output.WrittenSpan.ToArray();
    }

    private static void Write(IBufferWriter<byte> output, string origin, string leafIndex, string leafHash, string time, string? sig)
    {
        output.Write("{\"leafHash\":"u8);
        Jcs.WriteString(leafHash, output);
        output.Write(",\"leafIndex\":"u8);
        Jcs.WriteString(leafIndex, output);
        output.Write(",\"origin\":"u8);
        Jcs.WriteString(origin, output);
        if (sig is not null)
        {
            output.Write(",\"sig\":"u8);
            Jcs.WriteString(sig, output);
        }
        output.Write(",\"time\":"u8);
        Jcs.WriteString(time, output);
        output.Write("}"u8);
    }

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
