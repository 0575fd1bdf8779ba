using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core.Records;

namespace Anchor.Core.Json;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme for Anchor's model, where every value is a string or an
/// object or array of strings (DESIGN A2). Members are sorted by their UTF-16 code units; strings
/// are written as ECMAScript JSON.stringify writes them: only '"', '\\' and controls below U+0020
/// are escaped, everything else (e.g. 合同) is emitted as UTF-8.
/// </summary>
public static class Jcs
{
    public static byte[] Encode(JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Write(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="prefix"/> (an ASCII domain separator) then JCS(node).</summary>
    public static byte[] Encode(string prefix, JsonNode node)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Encoding.ASCII.GetBytes(prefix, buffer);
        Write(node, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    public static string EncodeToString(JsonNode node) => Encoding.UTF8.GetString(Encode(node));

    /// <summary>
    /// Parses JSON of the string-only model. Duplicate members, numbers, booleans and nulls are
    /// refused, so that what a provider signed has exactly one canonical form.
    /// </summary>
    public static JsonNode ParseStrict(ReadOnlySpan<byte> utf8) => ReadStrict(utf8, ReadStrictValue);

    public static JsonNode ParseStrict(string json) => ParseStrict(Encoding.UTF8.GetBytes(json));

    /// <summary>The value at the reader as a tree of the strict model (for <see cref="ReadStrict{T}"/>).</summary>
    public static JsonNode ReadStrictValue(ref Utf8JsonReader reader) => ReadCurrent(ref reader, 0);

    private static JsonNode ReadValue(ref Utf8JsonReader reader, int depth)
    {
        if (!reader.Read()) throw new AnchorException(ErrorCodes.Malformed, "empty JSON");
        return ReadCurrent(ref reader, depth);
    }

    private static JsonNode ReadCurrent(ref Utf8JsonReader reader, int depth)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return JsonValue.Create(reader.GetString()!);
            case JsonTokenType.StartObject:
            {
                var obj = new JsonObject();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var name = reader.GetString()!;
                    if (obj.ContainsKey(name)) throw new AnchorException(ErrorCodes.Malformed, $"duplicate member '{name}'");
                    obj[name] = ReadValue(ref reader, depth + 1);
                }
                return obj;
            }
            case JsonTokenType.StartArray:
            {
                var array = new JsonArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    array.Add(ReadCurrent(ref reader, depth + 1));
                return array;
            }
            default:
                throw NotOfTheModel(reader.TokenType);
        }
    }

    private static AnchorException NotOfTheModel(JsonTokenType token) => token switch
    {
        JsonTokenType.Number => new(ErrorCodes.Malformed, "JSON numbers are not allowed: write every value as a string"),
        JsonTokenType.True or JsonTokenType.False => new(ErrorCodes.Malformed, "JSON booleans are not allowed: write every value as a string"),
        JsonTokenType.Null => new(ErrorCodes.Malformed, "JSON null is not allowed: omit the member instead"),
        _ => new(ErrorCodes.Malformed, $"unexpected JSON token {token}"),
    };

    /// <summary>
    /// Reads a whole JSON text of the strict model with <paramref name="read"/>, which walks a <see cref="Utf8JsonReader"/>
    /// straight into typed values (no <see cref="JsonNode"/> tree: the request hot path), with <see cref="ParseStrict"/>'s
    /// refusals: malformed JSON, trailing content and invalid strings are malformed.
    /// </summary>
    public static T ReadStrict<T>(ReadOnlySpan<byte> utf8, StrictReader<T> read)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read()) throw new AnchorException(ErrorCodes.Malformed, "empty JSON");
            var value = read(ref reader);
            if (reader.Read()) throw new AnchorException(ErrorCodes.Malformed, "trailing content after the JSON value");
            return value;
        }
        catch (JsonException e)
        {
            throw new AnchorException(ErrorCodes.Malformed, $"malformed JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            throw new AnchorException(ErrorCodes.Malformed, $"malformed JSON string: {e.Message}");
        }
    }

    public delegate T StrictReader<T>(ref Utf8JsonReader reader);

    /// <summary>
    /// Walks the members of the object at the reader (which must be at its start) of the strict model: <paramref name="member"/>
    /// gets each name's index in <paramref name="names"/> with the reader at its value. Unknown and duplicate members are
    /// refused, as <see cref="ParseStrict"/> and the records' FromJson refuse them; the reader ends on the object's end.
    /// </summary>
    public static void ReadMembers(ref Utf8JsonReader reader, string what, ReadOnlySpan<string> names, MemberReader member)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new AnchorException(ErrorCodes.Malformed, $"{what} must be a JSON object");
        var seen = 0UL;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < names.Length && index < 0; i++)
                if (reader.ValueTextEquals(names[i])) index = i;
            if (index < 0) throw new AnchorException(ErrorCodes.Malformed, $"{what} has an unknown member '{Records.JsonFields.Short(reader.GetString()!)}'");
            if ((seen & (1UL << index)) != 0) throw new AnchorException(ErrorCodes.Malformed, $"duplicate member '{names[index]}'");
            seen |= 1UL << index;
            if (!reader.Read()) throw new AnchorException(ErrorCodes.Malformed, "truncated JSON");
            member(ref reader, index);
        }
    }

    public delegate void MemberReader(ref Utf8JsonReader reader, int index);

    /// <summary>The string at the reader; anything else is refused as <see cref="ParseStrict"/> refuses it.</summary>
    public static string ReadString(ref Utf8JsonReader reader, string what) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.StartObject or JsonTokenType.StartArray => throw new AnchorException(ErrorCodes.Malformed, $"{what} must be a string"),
        var token => throw NotOfTheModel(token),
    };

    /// <summary>
    /// One member of an object for <see cref="WriteObject"/>: a string, an array of strings, hashes (32 bytes each) written
    /// as an array of lowercase hex strings, a nested object, or a value that is canonical JSON already (written as it is).
    /// </summary>
    public readonly struct Member
    {
        private readonly object? _value; // string, IReadOnlyList<string>, IReadOnlyList<byte[]> (hashes) or Member[] (object)
        private readonly ReadOnlyMemory<byte> _raw;

        private Member(string name, object? value, ReadOnlyMemory<byte> raw)
        {
            Name = name;
            _value = value;
            _raw = raw;
        }

        public string Name { get; }

        public static Member String(string name, string value) => new(name, value, default);

        public static Member Strings(string name, IReadOnlyList<string> values) => new(name, values, default);

        public static Member Hashes(string name, IReadOnlyList<byte[]> hashes)
        {
            for (var i = 0; i < hashes.Count; i++)
                if (hashes[i].Length != HashBytes) throw new ArgumentException("hashes must be 32 bytes each", nameof(hashes));
            return new(name, hashes, default);
        }

        public static Member Object(string name, params Member[] members) => new(name, members, default);

        /// <summary>A value that is canonical JSON already (the JCS of evidence inside an entry, say).</summary>
        public static Member Raw(string name, ReadOnlyMemory<byte> canonicalJson) => new(name, null, canonicalJson);

        internal void WriteValue(IBufferWriter<byte> output)
        {
            switch (_value)
            {
                case string text:
                    WriteString(text, output);
                    break;
                case IReadOnlyList<string> texts:
                    output.Write("["u8);
                    for (var i = 0; i < texts.Count; i++)
                    {
                        if (i > 0) output.Write(","u8);
                        WriteString(texts[i], output);
                    }
                    output.Write("]"u8);
                    break;
                case IReadOnlyList<byte[]> hashes:
                    output.Write("["u8);
                    for (var i = 0; i < hashes.Count; i++)
                    {
                        if (i > 0) output.Write(","u8);
                        var text = output.GetSpan(2 * HashBytes + 2);
                        text[0] = (byte)'"';
                        Hex.EncodeUtf8(hashes[i], text[1..]);
                        text[2 * HashBytes + 1] = (byte)'"';
                        output.Advance(2 * HashBytes + 2);
                    }
                    output.Write("]"u8);
                    break;
                case Member[] members:
                    WriteObject(output, members);
                    break;
                default:
                    output.Write(_raw.Span);
                    break;
            }
        }
    }

    private const int HashBytes = 32;

    /// <summary>
    /// Writes an object of <paramref name="members"/>, given in any order: they are sorted here (RFC 8785 3.2.3, by the
    /// UTF-16 code units of the names), so no record writes its members in an order of its own. The one object writer:
    /// evidence, entries, statements and trees of <see cref="JsonNode"/> are all written through it.
    /// </summary>
    public static void WriteObject(IBufferWriter<byte> output, Span<Member> members)
    {
        // Insertion sort: records have at most a dozen members, and their names are distinct (checked).
        for (var i = 1; i < members.Length; i++)
        {
            var m = members[i];
            var j = i - 1;
            for (; j >= 0 && string.CompareOrdinal(members[j].Name, m.Name) > 0; j--) members[j + 1] = members[j];
            members[j + 1] = m;
        }
        output.Write("{"u8);
        for (var i = 0; i < members.Length; i++)
        {
            if (i > 0)
            {
                if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                    throw new ArgumentException($"member '{members[i].Name}' is given twice", nameof(members));
                output.Write(","u8);
            }
            WriteString(members[i].Name, output);
            output.Write(":"u8);
            members[i].WriteValue(output);
        }
        output.Write("}"u8);
    }

    private static void Write(JsonNode? node, ArrayBufferWriter<byte> output)
    {
        switch (node)
        {
            case JsonObject obj:
            {
                var members = new Member[obj.Count];
                var n = 0;
                foreach (var (name, value) in obj)
                {
                    // A string member is written directly; a nested object or array is canonicalised first.
                    members[n++] = value is JsonValue v && v.TryGetValue<string>(out var text)
                        ? Member.String(name, text)
                        : Member.Raw(name, Encode(value ?? throw new AnchorException(ErrorCodes.Malformed, "only strings, objects and arrays can be canonicalised, not null")));
                }
                WriteObject(output, members);
                break;
            }
            case JsonArray array:
                output.Write("["u8);
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) output.Write(","u8);
                    Write(array[i], output);
                }
                output.Write("]"u8);
                break;
            case JsonValue value when value.TryGetValue<string>(out var s):
                WriteString(s, output);
                break;
            default:
                throw new AnchorException(ErrorCodes.Malformed, $"only strings, objects and arrays can be canonicalised, not {node?.GetValueKind().ToString() ?? "null"}");
        }
    }

    /// <summary>Writes one JSON string as RFC 8785 does: the building block of the records' fixed-order canonical writers.</summary>
    public static void WriteString(string s, IBufferWriter<byte> output)
    {
        output.Write("\""u8);
        // Hex, base64, identifiers and times are printable ASCII without '"' or '\\': written as they are, found in two vector scans.
        if (!s.AsSpan().ContainsAnyExceptInRange(' ', '~') && !s.AsSpan().ContainsAny('"', '\\'))
        {
            Encoding.ASCII.GetBytes(s.AsSpan(), output);
            output.Write("\""u8);
            return;
        }
        var start = 0;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsSurrogate(c))
            {
                // I-JSON (RFC 7493) strings are valid Unicode: a lone surrogate has no UTF-8 form.
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                throw new AnchorException(ErrorCodes.Malformed, "string holds a lone surrogate");
            }
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            Encoding.UTF8.GetBytes(s.AsSpan(start, i - start), output);
            var escape = c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\b' => "\\b",
                '\f' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => $"\\u{(int)c:x4}",
            };
            Encoding.ASCII.GetBytes(escape, output);
            start = i + 1;
        }
        Encoding.UTF8.GetBytes(s.AsSpan(start), output);
        output.Write("\""u8);
    }
}
