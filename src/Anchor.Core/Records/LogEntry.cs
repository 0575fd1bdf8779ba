using System.Buffers;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Merkle;

namespace Anchor.Core.Records;

/// <summary>Where a batch record sits in its provider's batch tree: the batch signature covers Root and Size.</summary>
public sealed record BatchPath(string Root, string Size, string Index, IReadOnlyList<string> Path)
{
    public JsonObject ToJson() => new()
    {
        ["root"] = Root,
        ["size"] = Size,
        ["index"] = Index,
        ["path"] = new JsonArray([.. Path.Select(p => (JsonNode)p)]),
    };

    public static BatchPath FromJson(JsonNode? node)
    {
        const string what = "entry.batch";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "root", "size", "index", "path");
        var path = new BatchPath(
            JsonFields.Required(obj, "root", what),
            JsonFields.Required(obj, "size", what),
            JsonFields.Required(obj, "index", what),
            JsonFields.StringArray(obj, "path", what));
        JsonFields.Hash(path.Root, what + ".root");
        if (JsonFields.Count(path.Index, what + ".index") >= JsonFields.Count(path.Size, what + ".size"))
            throw new AnchorException(ErrorCodes.Malformed, $"{what}.index must be below {what}.size");
        foreach (var p in path.Path) JsonFields.Hash(p, what + ".path[]");
        return path;
    }
}

/// <summary>
/// One leaf of the log (DESIGN A2). Leaf data = JCS(entry); leaf hash = SHA-256(0x00 || leaf data).
/// For a single record Sig signs <see cref="Statements.Single"/>; for a batch record it is the batch
/// signature and <see cref="Batch"/> links the record to the signed batch root. <see cref="KeyEntry"/> is the leaf
/// index of the <see cref="KeyRegistration"/> of the key that signed, earlier in the same log.
/// </summary>
public sealed record LogEntry(string Provider, string KeyId, Evidence Evidence, string Sig, BatchPath? Batch, string ReceivedAt, string KeyEntry)
{
    public const string Version = "1";

    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["v"] = Version,
            ["provider"] = Provider,
            ["keyId"] = KeyId,
            ["evidence"] = Evidence.ToJson(),
            ["keyEntry"] = KeyEntry,
            ["sig"] = Sig,
        };
        if (Batch is not null) obj["batch"] = Batch.ToJson();
        obj["receivedAt"] = ReceivedAt;
        return obj;
    }

    public byte[] LeafData() => LeafData(Provider, KeyId, Evidence.Canonical(), Sig,
        Batch is null ? null : Jcs.Member.Object("batch", Jcs.Member.String("index", Batch.Index), Jcs.Member.Strings("path", Batch.Path),
            Jcs.Member.String("root", Batch.Root), Jcs.Member.String("size", Batch.Size)),
        ReceivedAt, KeyEntry);

    /// <summary>The leaf data of a single record (no batch) from the evidence's canonical bytes, as the sequencer writes it.</summary>
    public static byte[] LeafData(string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs, string sig, string receivedAt, string keyEntry) =>
        LeafData(provider, keyId, evidenceJcs, sig, null, receivedAt, keyEntry);

    [ThreadStatic] private static ArrayBufferWriter<byte>? scratch;

    /// <summary>
    /// JCS(entry) written without a JSON tree from the evidence's canonical bytes; <paramref name="batch"/> is the member
    /// <c>batch</c> of a batch record (<see cref="ProviderBatch.LeafData"/>). Equal to Jcs.Encode(ToJson()) (tested).
    /// </summary>
    internal static byte[] LeafData(string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs, string sig, Jcs.Member? batch, string receivedAt, string keyEntry)
    {
        // Written in a per-thread buffer, then copied once at its exact size (an entry of a batch record is ≈ 1 KiB).
        var output = scratch ??= new ArrayBufferWriter<byte>(2048);
        output.ResetWrittenCount();
        Span<Jcs.Member> members =
        [
            Jcs.Member.String("v", Version), Jcs.Member.String("provider", provider), Jcs.Member.String("keyId", keyId),
            Jcs.Member.Raw("evidence", evidenceJcs), Jcs.Member.String("keyEntry", keyEntry), Jcs.Member.String("sig", sig),
            Jcs.Member.String("receivedAt", receivedAt), batch ?? default,
        ];
        Jcs.WriteObject(output, batch is null ? members[..^1] : members);
        return output.WrittenSpan.ToArray();
    }

    public byte[] LeafHash() => TreeHasher.HashLeaf(LeafData());

    /// <summary>The bytes the provider signed for this entry.</summary>
    public byte[] SignedStatement() => Batch is null
        ? Statements.Single(Provider, KeyId, Evidence)
        : Statements.Batch(Provider, KeyId, Batch.Root, JsonFields.Count(Batch.Size, "entry.batch.size"));

    /// <summary>
    /// The provider of an evidence entry and the leaf index of the key registration it names, read from stored leaf data
    /// without parsing the whole entry (a proof GET needs only these). Null when the data is not an evidence entry: a key
    /// registration or revocation, or not an object with them.
    /// </summary>
    public static (string Provider, ulong KeyEntry)? ReadSigner(ReadOnlySpan<byte> leafData)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(leafData);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject) return null;
            string? keyEntry = null, provider = null;
            var isEvidence = false;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                var isKeyEntry = reader.ValueTextEquals("keyEntry"u8);
                var isProvider = !isKeyEntry && reader.ValueTextEquals("provider"u8);
                isEvidence |= reader.ValueTextEquals("evidence"u8);
                reader.Read();
                if (isKeyEntry && reader.TokenType == System.Text.Json.JsonTokenType.String) keyEntry = reader.GetString();
                else if (isProvider && reader.TokenType == System.Text.Json.JsonTokenType.String) provider = reader.GetString();
                else reader.Skip();
            }
            return isEvidence && keyEntry is not null && provider is not null ? (provider, JsonFields.Count(keyEntry, "entry.keyEntry")) : null;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or AnchorException) { return null; }
    }

    public static LogEntry FromJson(JsonNode? node)
    {
        const string what = "entry";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "v", "provider", "keyId", "evidence", "sig", "batch", "receivedAt", "keyEntry");
        var v = JsonFields.Required(obj, "v", what);
        if (v != Version) throw new AnchorException(ErrorCodes.Malformed, $"entry.v '{JsonFields.Short(v)}' is not a known version");
        var entry = new LogEntry(
            JsonFields.Required(obj, "provider", what),
            JsonFields.Required(obj, "keyId", what),
            Evidence.FromJson(obj["evidence"]),
            JsonFields.Required(obj, "sig", what),
            obj.ContainsKey("batch") ? BatchPath.FromJson(obj["batch"]) : null,
            JsonFields.Required(obj, "receivedAt", what),
            JsonFields.Required(obj, "keyEntry", what));
        JsonFields.Count(entry.KeyEntry, what + ".keyEntry");
        if (!Times.TryParse(entry.ReceivedAt, out _))
            throw new AnchorException(ErrorCodes.Malformed, "entry.receivedAt must be RFC 3339 UTC with milliseconds");
        return entry;
    }
}
