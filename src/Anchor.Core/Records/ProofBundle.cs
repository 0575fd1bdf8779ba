using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>
/// <c>anchor-proof/v1</c>: everything a court needs to check one entry without the node (DESIGN A3).
/// The inclusion proof, the checkpoint and (once anchored) the anchors all name the tree of TreeSize.
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
    IReadOnlyList<ChainAnchor> Anchors)
{
    public const string FormatName = "anchor-proof/v1";

    public JsonObject ToJson() => new()
    {
        ["format"] = FormatName,
        ["entry"] = Entry.ToJson(),
        ["providerKey"] = ProviderKey.DeepClone(),
        ["leafIndex"] = LeafIndex,
        ["leafHash"] = LeafHash,
        ["treeSize"] = TreeSize,
        ["inclusion"] = new JsonArray([.. Inclusion.Select(h => (JsonNode)h)]),
        ["checkpoint"] = Checkpoint,
        ["logKey"] = LogKey,
        ["anchors"] = new JsonArray([.. Anchors.Select(a => (JsonNode)a.ToJson())]),
    };

    public static ProofBundle FromJson(JsonNode? node)
    {
        const string what = "bundle";
        var obj = JsonFields.Object(node, what);
        var format = JsonFields.Required(obj, "format", what);
        if (format != FormatName) throw new AnchorException(ErrorCodes.Malformed, $"bundle.format is '{JsonFields.Short(format)}', want '{FormatName}'");
        var anchors = obj["anchors"] is JsonArray a ? a.Select(ChainAnchor.FromJson).ToList()
            : throw new AnchorException(ErrorCodes.Malformed, "bundle.anchors must be an array");
        return new ProofBundle(
            LogEntry.FromJson(obj["entry"]),
            JsonFields.Object(obj["providerKey"], "bundle.providerKey"),
            JsonFields.Required(obj, "leafIndex", what),
            JsonFields.Required(obj, "leafHash", what),
            JsonFields.Required(obj, "treeSize", what),
            JsonFields.StringArray(obj, "inclusion", what),
            JsonFields.Required(obj, "checkpoint", what),
            JsonFields.Required(obj, "logKey", what),
            anchors);
    }
}
