using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>
/// What the node answers for one record once it is durably in the log (docs/formats.md): the proof itself, not a promise.
/// <see cref="Inclusion"/> folds <see cref="LeafHash"/> at <see cref="LeafIndex"/> to the root of the tree of
/// <see cref="TreeSize"/>, and <see cref="Checkpoint"/> is the log's signed note of that tree, the one commit the
/// record was written with (or, for a retry, any checkpoint that contains it). Nothing in it is signed per record:
/// checking it is the fold and the note check of a proof bundle.
/// </summary>
public sealed record Receipt(string Origin, string LeafIndex, string LeafHash, string TreeSize, IReadOnlyList<string> Inclusion, string Checkpoint)
{
    private const string What = "receipt";

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("origin", Origin);
        writer.WriteString("leafIndex", LeafIndex);
        writer.WriteString("leafHash", LeafHash);
        writer.WriteString("treeSize", TreeSize);
        writer.WriteStartArray("inclusion");
        foreach (var h in Inclusion) writer.WriteStringValue(h);
        writer.WriteEndArray();
        writer.WriteString("checkpoint", Checkpoint);
        writer.WriteEndObject();
    }

    public static Receipt FromJson(JsonNode? node)
    {
        var obj = JsonFields.Object(node, What);
        JsonFields.OnlyKnown(obj, What, "origin", "leafIndex", "leafHash", "treeSize", "inclusion", "checkpoint");
        return new Receipt(
            JsonFields.Required(obj, "origin", What),
            JsonFields.Required(obj, "leafIndex", What),
            JsonFields.Required(obj, "leafHash", What),
            JsonFields.Required(obj, "treeSize", What),
            JsonFields.StringArray(obj, "inclusion", What),
            JsonFields.Required(obj, "checkpoint", What));
    }
}

/// <summary>
/// What the node answers for records of a provider batch that lie next to each other in the log: one proof for all of
/// them. <see cref="LeafHashes"/> (in log order, from <see cref="FirstIndex"/>) with the range nodes left of
/// FirstIndex and right of FirstIndex + Count fold to the root of <see cref="Checkpoint"/>'s tree
/// (<see cref="Merkle.RangeProof"/>).
/// </summary>
public sealed record BatchReceipt(string Origin, string FirstIndex, string Count, IReadOnlyList<string> LeafHashes, string TreeSize,
    string Checkpoint, IReadOnlyList<string> Left, IReadOnlyList<string> Right)
{
    private const string What = "batch receipt";

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("origin", Origin);
        writer.WriteString("firstIndex", FirstIndex);
        writer.WriteString("count", Count);
        writer.WriteStartArray("leafHashes");
        foreach (var h in LeafHashes) writer.WriteStringValue(h);
        writer.WriteEndArray();
        writer.WriteString("treeSize", TreeSize);
        writer.WriteString("checkpoint", Checkpoint);
        writer.WriteStartObject("range");
        writer.WriteStartArray("left");
        foreach (var h in Left) writer.WriteStringValue(h);
        writer.WriteEndArray();
        writer.WriteStartArray("right");
        foreach (var h in Right) writer.WriteStringValue(h);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static BatchReceipt FromJson(JsonNode? node)
    {
        var obj = JsonFields.Object(node, What);
        JsonFields.OnlyKnown(obj, What, "origin", "firstIndex", "count", "leafHashes", "treeSize", "checkpoint", "range");
        var range = JsonFields.Object(obj["range"], $"{What}.range");
        JsonFields.OnlyKnown(range, $"{What}.range", "left", "right");
        return new BatchReceipt(
            JsonFields.Required(obj, "origin", What),
            JsonFields.Required(obj, "firstIndex", What),
            JsonFields.Required(obj, "count", What),
            JsonFields.StringArray(obj, "leafHashes", What),
            JsonFields.Required(obj, "treeSize", What),
            JsonFields.Required(obj, "checkpoint", What),
            JsonFields.StringArray(range, "left", $"{What}.range"),
            JsonFields.StringArray(range, "right", $"{What}.range"));
    }
}
