using System.Globalization;
using System.Text.Json.Nodes;

namespace Anchor.Core.Tests.Verification;

/// <summary>Generated one-character mutations of every string in a bundle (shared by the Core and node suites).</summary>
public static class BundleMutations
{
    /// <summary>
    /// Changes one character to another of the same class, so hex stays hex and digits stay digits. The last
    /// character of padded base64 may carry only padding bits, and 0x values keep their prefix, so those
    /// change their third character; everything else changes its last.
    /// </summary>
    public static string Mutate(string value)
    {
        if (value.Length == 0) return "x";
        var i = value.EndsWith('=') || value.StartsWith("0x", StringComparison.Ordinal) ? Math.Min(2, value.Length - 1) : value.Length - 1;
        var c = value[i];
        var r = c switch { >= '0' and <= '8' => (char)(c + 1), '9' => '0', >= 'a' and <= 'e' => (char)(c + 1), 'f' => 'a', 'Z' or 'z' => 'A', _ => 'B' };
        if (r == c) r = 'C';
        return value[..i] + r + value[(i + 1)..];
    }

    /// <summary>Every string value with its JSON-pointer-like path, e.g. /entry/evidence/hash or /inclusion/3.</summary>
    public static IEnumerable<(string Path, string Value)> StringLeaves(JsonNode? node, string path = "") => node switch
    {
        JsonObject o => o.SelectMany(kv => StringLeaves(kv.Value, path + "/" + kv.Key)),
        JsonArray a => a.SelectMany((v, i) => StringLeaves(v, path + "/" + i.ToString(CultureInfo.InvariantCulture))),
        JsonValue v => [(path, v.GetValue<string>())],
        _ => [],
    };

    /// <summary>A copy of <paramref name="root"/> with the string at <paramref name="path"/> mutated.</summary>
    public static JsonObject With(JsonObject root, string path)
    {
        var copy = (JsonObject)root.DeepClone();
        var parts = path.Trim('/').Split('/');
        JsonNode node = copy;
        foreach (var part in parts[..^1]) node = node is JsonArray arr ? arr[int.Parse(part, CultureInfo.InvariantCulture)]! : node[part]!;
        if (node is JsonArray array)
        {
            var i = int.Parse(parts[^1], CultureInfo.InvariantCulture);
            array[i] = Mutate(array[i]!.GetValue<string>());
        }
        else node[parts[^1]] = Mutate(node[parts[^1]]!.GetValue<string>());
        return copy;
    }
}
