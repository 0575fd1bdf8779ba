using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Anchor.Core.Signatures;

/// <summary>The JSON form of a key descriptor: members appear only when present, every value is a string (DESIGN A2).</summary>
public sealed partial record KeyDescriptor
{
    public JsonObject ToJson()
    {
        var json = new JsonObject { ["alg"] = SignatureAlgs.ToWire(Alg) };
        if (PublicKey is not null) json["publicKey"] = PublicKey;
        if (Address is not null) json["address"] = Address;
        if (Certificates is not null) json["certificates"] = new JsonArray([.. Certificates.Select(c => (JsonNode)c)]);
        return json;
    }

    /// <summary>
    /// Reads <c>alg</c>, <c>publicKey</c>, <c>address</c> and <c>certificates</c>; other members (such as the admin
    /// API's <c>keyId</c>) belong to the caller and are ignored. A member that is present must have the right type:
    /// our JSON has no nulls, so <c>"publicKey": null</c> is malformed rather than absent.
    /// </summary>
    public static bool TryFromJson(JsonObject json, [NotNullWhen(true)] out KeyDescriptor? descriptor, out string error)
    {
        descriptor = null;
        if (!TryGetString(json, "alg", required: true, out var wire, out error)) return false;
        if (!SignatureAlgs.TryParse(wire, out var alg))
        {
            error = $"unknown alg '{wire}' (expected one of {string.Join(", ", SignatureAlgs.All.Select(SignatureAlgs.ToWire))})";
            return false;
        }
        if (!TryGetString(json, "publicKey", required: false, out var publicKey, out error)) return false;
        if (!TryGetString(json, "address", required: false, out var address, out error)) return false;

        List<string>? certificates = null;
        if (json.TryGetPropertyValue("certificates", out var node))
        {
            if (node is not JsonArray array)
            {
                error = "certificates must be an array of base64 strings";
                return false;
            }
            certificates = new List<string>(array.Count);
            foreach (var item in array)
            {
                if (item is not JsonValue value || !value.TryGetValue<string>(out var certificate))
                {
                    error = "certificates must be an array of base64 strings";
                    return false;
                }
                certificates.Add(certificate);
            }
        }

        descriptor = new KeyDescriptor(alg, publicKey, address, certificates);
        return true;
    }

    private static bool TryGetString(JsonObject json, string name, bool required, out string? value, out string error)
    {
        value = null;
        error = "";
        if (!json.TryGetPropertyValue(name, out var node))
        {
            if (required) error = $"{name} is missing";
            return !required;
        }
        if (node is JsonValue jsonValue && jsonValue.TryGetValue<string>(out var text))
        {
            value = text;
            return true;
        }
        error = $"{name} must be a string";
        return false;
    }
}
