using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;

namespace Anchor.Core.Tests.Json;

/// <summary>One mutated input: what was done (to reproduce it) and the bytes.</summary>
public sealed record MutatedJson(string What, byte[] Bytes)
{
    public override string ToString() => $"{What}: {Shown}";

    /// <summary>The bytes as text, cut to a readable length (invalid UTF-8 shows as U+FFFD).</summary>
    public string Shown
    {
        get
        {
            var text = Encoding.UTF8.GetString(Bytes);
            return text.Length > 400 ? text[..400] + $"… ({Bytes.Length} bytes)" : text;
        }
    }
}

/// <summary>
/// FsCheck generators of mutated JSON for the fuzz targets (the Core parsers in-process, the node over HTTP): from a
/// valid document, byte flips, truncation, duplicated and missing members, values of the wrong type, huge numbers, deep
/// nesting, invalid UTF-8, non-canonical hex and base64, long strings, escapes and control characters, one to three at a
/// time. Structural mutations are made on the tree, then a marker string is replaced in the text by what the tree
/// cannot hold (a duplicate member, a number, a bare literal, a lone surrogate).
/// </summary>
public static class JsonMutations
{
    private const string Marker = "\u0001fuzz-marker\u0001";
    private static readonly string MarkerJson = "\"\\u0001fuzz-marker\\u0001\"";

    private static readonly string[] Literals =
    [
        "1", "-1", "0", "1.5", "1e999", "-1e999", "18446744073709551616", "99999999999999999999999999999999999999", "true", "false",
        "null", "[]", "{}", "[\"x\"]", "{\"a\":\"b\"}", "\"\"", "\"\\ud800\"", "\"\\udfff\\ud800\"", "\"\\u0000\"", "\"a\\u0000b\"",
        "NaN", "Infinity", "'x'", "0x10", "\"\\x41\"", "\"\\\"\"",
    ];

    private static readonly string[] NumberTexts =
    [
        "18446744073709551616", "18446744073709551615", "9223372036854775808", "99999999999999999999999999999999", "-1", "-0", "01", "00",
        "1e3", " 1", "1 ", "+1", "0x1", "١٢", "4294967296", "2147483648", "1.0", "",
    ];

    private static readonly byte[][] BadUtf8 =
    [
        [0x80], [0xC0, 0xAF], [0xFF], [0xFE], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82],
        [0xEF, 0xBB, 0xBF], [0x00],
    ];

    /// <summary>How many mutations one input gets: mostly one, at times two or three.</summary>
    public static readonly int[] Counts = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3];

    /// <summary>Mutations of <paramref name="seed"/> as an FsCheck generator, for properties.</summary>
    public static Gen<MutatedJson> Of(JsonObject seed) =>
        from count in Gen.Elements(Counts)
        from seedInt in Gen.Choose(0, int.MaxValue)
        select Apply(seed, count, new Random(seedInt));

    /// <summary>The same mutations driven by one seed (what a failure prints to replay it).</summary>
    public static MutatedJson Apply(JsonObject seed, int count, Random random)
    {
        var tree = (JsonObject)seed.DeepClone();
        var what = new List<string>();
        byte[]? bytes = null;
        for (var n = 0; n < count; n++)
        {
            // Once a mutation worked on bytes, the rest work on bytes too.
            var kind = bytes is null ? random.Next(14) : 10 + random.Next(4);
            switch (kind)
            {
                case 0: what.Add(RemoveMember(tree, random)); break;
                case 1: what.Add(Duplicate(tree, random, out bytes)); break;
                case 2: what.Add(Replace(tree, random, Literals[random.Next(Literals.Length)], out bytes)); break;
                case 3: what.Add(ReplaceString(tree, random, _ => NumberTexts[random.Next(NumberTexts.Length)])); break;
                case 4: what.Add(Replace(tree, random, Nesting(random), out bytes)); break;
                case 5: what.Add(ReplaceString(tree, random, v => NonCanonical(v, random))); break;
                case 6: what.Add(ReplaceString(tree, random, v => v + new string(v.Length > 0 ? v[^1] : 'a', random.Next(1, 3) == 1 ? 70_000 : 300))); break;
                case 7: what.Add(AddMember(tree, random)); break;
                case 8: what.Add(ReplaceString(tree, random, v => Sprinkle(v, random))); break;
                case 9: what.Add(ReplaceContainer(tree, random)); break;
                default:
                    bytes ??= Encoding.UTF8.GetBytes(tree.ToJsonString());
                    (bytes, var did) = MutateBytes(bytes, kind - 10, random);
                    what.Add(did);
                    break;
            }
        }
        return new MutatedJson(string.Join("; ", what), bytes ?? Encoding.UTF8.GetBytes(tree.ToJsonString()));
    }

    /// <summary>Every object and array in the tree with the node that holds it (null for the root).</summary>
    private static List<JsonNode> Containers(JsonNode node)
    {
        var all = new List<JsonNode> { node };
        foreach (var child in Children(node)) if (child is JsonObject or JsonArray) all.AddRange(Containers(child));
        return all;
    }

    private static IEnumerable<JsonNode> Children(JsonNode node) => node switch
    {
        JsonObject o => o.Select(kv => kv.Value).OfType<JsonNode>(),
        JsonArray a => a.OfType<JsonNode>(),
        _ => [],
    };

    private static List<JsonValue> StringValues(JsonNode node) =>
        node is JsonValue v ? [v] : [.. Children(node).SelectMany(StringValues)];

    private static string PathOf(JsonNode node) => node.GetPath();

    private static string RemoveMember(JsonObject tree, Random random)
    {
        var objects = Containers(tree).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        if (objects.Count == 0) return "nothing to remove";
        var obj = objects[random.Next(objects.Count)];
        var name = obj.ElementAt(random.Next(obj.Count)).Key;
        obj.Remove(name);
        return $"removed {PathOf(obj)}.{name}";
    }

    private static string AddMember(JsonObject tree, Random random)
    {
        var objects = Containers(tree).OfType<JsonObject>().ToList();
        var obj = objects[random.Next(objects.Count)];
        var name = random.Next(3) switch { 0 => "extra", 1 => "", _ => "__proto__" };
        if (obj.ContainsKey(name)) return "member exists";
        obj[name] = "x";
        return $"added {PathOf(obj)}.{name}";
    }

    /// <summary>A member written twice, once with another value: JSON objects cannot hold that, so it goes in as text.</summary>
    private static string Duplicate(JsonObject tree, Random random, out byte[] bytes)
    {
        var objects = Containers(tree).OfType<JsonObject>().Where(o => o.Count > 0).ToList();
        var obj = objects.Count > 0 ? objects[random.Next(objects.Count)] : tree;
        var name = obj.Count > 0 ? obj.ElementAt(random.Next(obj.Count)).Key : "a";
        var twin = obj[name]?.DeepClone();
        var sameValue = random.Next(2) == 0 && twin is not null;
        obj[Marker] = sameValue ? twin : "other";
        var text = tree.ToJsonString().Replace(MarkerJson + ":", System.Text.Json.JsonSerializer.Serialize(name) + ":", StringComparison.Ordinal);
        obj.Remove(Marker);
        bytes = Encoding.UTF8.GetBytes(text);
        return $"duplicated {PathOf(obj)}.{name}{(sameValue ? " (same value)" : "")}";
    }

    /// <summary>A value (string, object or array) replaced by raw JSON text.</summary>
    private static string Replace(JsonObject tree, Random random, string raw, out byte[] bytes)
    {
        var targets = Containers(tree).Skip(1).Concat(StringValues(tree)).ToList();
        if (targets.Count == 0)
        {
            bytes = Encoding.UTF8.GetBytes(raw);
            return $"the document replaced by {Short(raw)}";
        }
        var target = targets[random.Next(targets.Count)];
        var path = PathOf(target);
        target.ReplaceWith(JsonValue.Create(Marker));
        bytes = Encoding.UTF8.GetBytes(tree.ToJsonString().Replace(MarkerJson, raw, StringComparison.Ordinal));
        return $"{path} replaced by {Short(raw)}";
    }

    private static string ReplaceString(JsonObject tree, Random random, Func<string, string> change)
    {
        var strings = StringValues(tree);
        if (strings.Count == 0) return "no string";
        var target = strings[random.Next(strings.Count)];
        var before = target.GetValue<string>();
        var after = change(before);
        if (after == before) after = before + " "; // Some spellings are the same for some values (no '=' to drop): still mutate.
        var path = PathOf(target);
        target.ReplaceWith(JsonValue.Create(after));
        return $"{path} '{Short(before)}' -> '{Short(after)}'";
    }

    /// <summary>An object or array turned into the other kind, or emptied.</summary>
    private static string ReplaceContainer(JsonObject tree, Random random)
    {
        var containers = Containers(tree).Skip(1).ToList();
        if (containers.Count == 0) return "no container";
        var target = containers[random.Next(containers.Count)];
        var path = PathOf(target);
        JsonNode replacement = target switch
        {
            JsonObject o when random.Next(2) == 0 => new JsonArray([.. o.Select(kv => kv.Value?.DeepClone())]),
            JsonArray a when random.Next(2) == 0 => new JsonObject(a.Select((v, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), v?.DeepClone()))),
            JsonObject => new JsonObject(),
            _ => new JsonArray(),
        };
        target.ReplaceWith(replacement);
        return $"{path} became {Short(replacement.ToJsonString())}";
    }

    private static string Nesting(Random random)
    {
        var depth = random.Next(3) switch { 0 => random.Next(2, 20), 1 => random.Next(60, 200), _ => random.Next(2000, 20000) };
        return random.Next(2) == 0
            ? new string('[', depth) + "\"x\"" + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "\"x\"" + new string('}', depth);
    }

    /// <summary>The same bytes spelled another way: hex in capitals or with 0x, base64 with a line break, no padding, URL-safe or with padding bits set.</summary>
    private static string NonCanonical(string value, Random random)
    {
        switch (random.Next(9))
        {
            case 0: return value.ToUpperInvariant();
            case 1: return "0x" + value;
            case 2: return value.Length > 4 ? value[..(value.Length / 2)] + "\n" + value[(value.Length / 2)..] : value + "\n";
            case 3: return value.TrimEnd('=');
            case 4: return value.Replace('+', '-').Replace('/', '_');
            case 5:
            {
                // Padding bits set: the character before '=' moves up by one in the alphabet.
                var at = value.IndexOf('=', StringComparison.Ordinal);
                if (at <= 0) return value + "=";
                const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                var i = alphabet.IndexOf(value[at - 1], StringComparison.Ordinal);
                return value[..(at - 1)] + alphabet[(i + 1) % 64] + value[at..];
            }
            case 6: return value.Length > 0 ? value[..^1] : "0";
            case 7: return " " + value;
            default: return value + "==";
        }
    }

    /// <summary>A control character, a lone surrogate, a non-ASCII or zero-width character put into a string.</summary>
    private static string Sprinkle(string value, Random random)
    {
        var insert = random.Next(7) switch { 0 => "\u0000", 1 => "\ud800", 2 => "\udc00", 3 => "合", 4 => "\u200b", 5 => "\u00e9", _ => "\n" };
        var at = random.Next(value.Length + 1);
        return value[..at] + insert + value[at..];
    }

    private static (byte[] Bytes, string What) MutateBytes(byte[] bytes, int kind, Random random)
    {
        if (bytes.Length == 0) return ([(byte)'{'], "empty became {");
        var copy = (byte[])bytes.Clone();
        switch (kind)
        {
            case 0:
            {
                var flips = random.Next(1, 4);
                for (var f = 0; f < flips; f++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return (copy, $"{flips} bit flip(s)");
            }
            case 1:
            {
                var length = random.Next(copy.Length);
                return (copy[..length], $"truncated to {length} of {copy.Length} bytes");
            }
            case 2:
            {
                // Into a string where possible: just after an opening quote.
                var quotes = Enumerable.Range(0, copy.Length).Where(i => copy[i] == '"').ToList();
                var at = quotes.Count > 0 ? quotes[random.Next(quotes.Count)] + 1 : random.Next(copy.Length);
                var bad = BadUtf8[random.Next(BadUtf8.Length)];
                return ([.. copy[..at], .. bad, .. copy[at..]], $"invalid UTF-8 {Convert.ToHexString(bad)} at byte {at}");
            }
            default:
            {
                var at = random.Next(copy.Length);
                var structural = "{}[]\",:\\ \t"u8[random.Next(10)];
                return ([.. copy[..at], structural, .. copy[at..]], $"'{(char)structural}' inserted at byte {at}");
            }
        }
    }

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
