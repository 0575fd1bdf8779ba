using System.Globalization;
using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>Reads members of the string-only model with the API's error codes.</summary>
internal static class JsonFields
{
    public static JsonObject Object(JsonNode? node, string what) =>
        node as JsonObject ?? throw new AnchorException(ErrorCodes.Malformed, $"{what} must be a JSON object");

    public static string Required(JsonObject obj, string name, string what)
    {
        var value = Optional(obj, name, what);
        return value ?? throw new AnchorException(ErrorCodes.Malformed, $"{what}.{name} is missing");
    }

    public static string? Optional(JsonObject obj, string name, string what)
    {
        if (!obj.TryGetPropertyValue(name, out var node)) return null;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new AnchorException(ErrorCodes.Malformed, $"{what}.{name} must be a string");
    }

    public static List<string> StringArray(JsonObject obj, string name, string what)
    {
        if (obj[name] is not JsonArray array) throw new AnchorException(ErrorCodes.Malformed, $"{what}.{name} must be an array of strings");
        var result = new List<string>(array.Count);
        foreach (var item in array)
            result.Add(item is JsonValue v && v.TryGetValue<string>(out var s) ? s
                : throw new AnchorException(ErrorCodes.Malformed, $"{what}.{name} must hold only strings"));
        return result;
    }

    /// <summary>Refuses members the format does not define: signed content must have one reading.</summary>
    public static void OnlyKnown(JsonObject obj, string what, params string[] known)
    {
        foreach (var (name, _) in obj)
            if (Array.IndexOf(known, name) < 0) throw new AnchorException(ErrorCodes.Malformed, $"{what} has an unknown member '{name}'");
    }

    /// <summary>A decimal count written as a string, as JSON numbers are not allowed: "0" or no leading zero.</summary>
    public static ulong Count(string text, string what)
    {
        if (text.Length is 0 or > 20 || (text.Length > 1 && text[0] == '0')
            || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new AnchorException(ErrorCodes.Malformed, $"{what} must be a decimal integer written as a string, got '{Short(text)}'");
        return n;
    }

    public static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    public static byte[] Hash(string text, string what)
    {
        if (!Hex.TryDecodeCanonical(text, 32, out var bytes))
            throw new AnchorException(ErrorCodes.HashMalformed, $"{what} must be 64 lowercase hex characters, got '{Short(text)}'");
        return bytes;
    }

    public static string Short(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
