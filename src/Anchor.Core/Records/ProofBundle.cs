using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>
/// The registration entry of the key that signed a bundle's entry, and its inclusion proof at the bundle's tree size:
/// the log itself shows that the operator registered this key for this provider before the record.
/// </summary>
public sealed record KeyEntryProof(string LeafIndex, KeyRegistration Entry, IReadOnlyList<string> Inclusion)
{
    public static void Write(Utf8JsonWriter writer, string leafIndex, ReadOnlySpan<byte> entryJson, IEnumerable<string> inclusion)
    {
        writer.WriteStartObject();
        writer.WriteString("leafIndex"u8, leafIndex);
        writer.WritePropertyName("entry"u8);
        writer.WriteRawValue(entryJson);
        writer.WriteStartArray("inclusion"u8);
        foreach (var hash in inclusion) writer.WriteStringValue(hash);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static KeyEntryProof FromJson(JsonNode? node)
    {
        const string what = "bundle.keyEntry";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "leafIndex", "entry", "inclusion");
        var proof = new KeyEntryProof(JsonFields.Required(obj, "leafIndex", what), KeyRegistration.FromJson(obj["entry"]),
            JsonFields.StringArray(obj, "inclusion", what));
        JsonFields.Count(proof.LeafIndex, what + ".leafIndex");
        return proof;
    }
}

/// <summary>
/// <c>anchor-proof/v1</c>: everything a court needs to check one entry without the node (DESIGN A3).
/// The inclusion proof and the checkpoint name the tree of TreeSize. Once sealed, the anchors and TSA time-stamps name
/// the sealed tree: this log's own, or, with a <see cref="Root"/> step, the root log's tree that includes this checkpoint.
/// </summary>
public sealed record ProofBundle(
    LogEntry Entry,
    JsonObject ProviderKey,
    string LeafIndex,
    string LeafHash,
    string TreeSize,
    IReadOnlyList<string> Inclusion,
    string Checkpoint,
    string LogKey,
    KeyEntryProof KeyEntry,
    IReadOnlyList<ChainAnchor> Anchors,
    IReadOnlyList<TsaTimestamp> Timestamps,
    RootStep? Root = null)
{
    public const string FormatName = "anchor-proof/v1";

    public JsonObject ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            Write(writer, Entry.LeafData(), Encoding.UTF8.GetBytes(ProviderKey.ToJsonString()), LeafIndex, LeafHash, TreeSize, Inclusion,
                Checkpoint, LogKey, KeyEntry.LeafIndex, KeyEntry.Entry.LeafData(), KeyEntry.Inclusion, Anchors, Timestamps, Root);
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>
    /// The one encoder of the bundle format. The entry goes in as its leaf data (the JCS bytes the leaf hash covers)
    /// and the provider key as its descriptor JSON, both copied as they are: a node serving bundles writes what it
    /// stored without parsing it into objects and back. <paramref name="root"/> is written when the bundle is sealed through
    /// a root log (its member <c>root</c> goes between <c>keyEntry</c> and <c>anchors</c>), and then the anchors and
    /// time-stamps are the root log's.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, ReadOnlySpan<byte> entryJson, ReadOnlySpan<byte> providerKeyJson, string leafIndex,
        string leafHash, string treeSize, IEnumerable<string> inclusion, string checkpoint, string logKey,
        string keyEntryIndex, ReadOnlySpan<byte> keyEntryJson, IEnumerable<string> keyEntryInclusion, IReadOnlyList<ChainAnchor> anchors,
        IReadOnlyList<TsaTimestamp> timestamps, RootStep? root = null)
    {
        writer.WriteStartObject();
        writer.WriteString("format"u8, FormatName);
        writer.WritePropertyName("entry"u8);
        writer.WriteRawValue(entryJson);
        writer.WritePropertyName("providerKey"u8);
        writer.WriteRawValue(providerKeyJson);
        writer.WriteString("leafIndex"u8, leafIndex);
        writer.WriteString("leafHash"u8, leafHash);
        writer.WriteString("treeSize"u8, treeSize);
        writer.WriteStartArray("inclusion"u8);
        foreach (var hash in inclusion) writer.WriteStringValue(hash);
        writer.WriteEndArray();
        writer.WriteString("checkpoint"u8, checkpoint);
        writer.WriteString("logKey"u8, logKey);
        writer.WritePropertyName("keyEntry"u8);
        KeyEntryProof.Write(writer, keyEntryIndex, keyEntryJson, keyEntryInclusion);
        if (root is not null)
        {
            writer.WritePropertyName("root"u8);
            root.Write(writer);
        }
        writer.WriteStartArray("anchors"u8);
        foreach (var anchor in anchors) anchor.ToJson().WriteTo(writer);
        writer.WriteEndArray();
        writer.WriteStartArray("timestamps"u8);
        foreach (var timestamp in timestamps) timestamp.Write(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public static ProofBundle FromJson(JsonNode? node)
    {
        const string what = "bundle";
        var obj = JsonFields.Object(node, what);
        var format = JsonFields.Required(obj, "format", what);
        if (format != FormatName) throw new AnchorException(ErrorCodes.Malformed, $"bundle.format is '{JsonFields.Short(format)}', want '{FormatName}'");
        var anchors = obj["anchors"] is JsonArray a ? a.Select(ChainAnchor.FromJson).ToList()
            : throw new AnchorException(ErrorCodes.Malformed, "bundle.anchors must be an array");
        // Bundles written before time-stamps existed have no member: read as none, which is what stripping them gives anyway.
        List<TsaTimestamp> timestamps = obj["timestamps"] switch
        {
            null when !obj.ContainsKey("timestamps") => [],
            JsonArray t => t.Select(TsaTimestamp.FromJson).ToList(),
            _ => throw new AnchorException(ErrorCodes.Malformed, "bundle.timestamps must be an array"),
        };
        return new ProofBundle(
            LogEntry.FromJson(obj["entry"]),
            JsonFields.Object(obj["providerKey"], "bundle.providerKey"),
            JsonFields.Required(obj, "leafIndex", what),
            JsonFields.Required(obj, "leafHash", what),
            JsonFields.Required(obj, "treeSize", what),
            JsonFields.StringArray(obj, "inclusion", what),
            JsonFields.Required(obj, "checkpoint", what),
            JsonFields.Required(obj, "logKey", what),
            KeyEntryProof.FromJson(obj["keyEntry"]),
            anchors,
            timestamps,
            // Absent in one-log bundles, which are sealed on their own tree; null (JSON null) is not a step.
            obj.ContainsKey("root") ? RootStep.FromJson(obj["root"]) : null);
    }
}
