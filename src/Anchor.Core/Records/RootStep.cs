using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;

namespace Anchor.Core.Records;

/// <summary>
/// The root log's step of a member log's bundle: the member checkpoint's leaf in the root log, its inclusion proof in the
/// root tree of TreeSize, and the root log's checkpoint of that size, which the bundle's anchors and time-stamps seal.
/// </summary>
public sealed record RootStep(string LeafIndex, string TreeSize, IReadOnlyList<string> Inclusion, string Checkpoint, string LogKey)
{
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("leafIndex"u8, LeafIndex);
        writer.WriteString("treeSize"u8, TreeSize);
        writer.WriteStartArray("inclusion"u8);
        foreach (var hash in Inclusion) writer.WriteStringValue(hash);
        writer.WriteEndArray();
        writer.WriteString("checkpoint"u8, Checkpoint);
        writer.WriteString("logKey"u8, LogKey);
        writer.WriteEndObject();
    }

    public static RootStep FromJson(JsonNode? node)
    {
        const string what = "bundle.root";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "leafIndex", "treeSize", "inclusion", "checkpoint", "logKey");
        var step = new RootStep(JsonFields.Required(obj, "leafIndex", what), JsonFields.Required(obj, "treeSize", what),
            JsonFields.StringArray(obj, "inclusion", what), JsonFields.Required(obj, "checkpoint", what), JsonFields.Required(obj, "logKey", what));
        JsonFields.Count(step.LeafIndex, what + ".leafIndex");
        JsonFields.Count(step.TreeSize, what + ".treeSize");
        return step;
    }

    /// <summary>A root leaf's data: the member checkpoint's body, the note text without its signature lines.</summary>
    public static byte[] LeafData(string memberCheckpoint) => System.Text.Encoding.UTF8.GetBytes(SignedNote.Parse(memberCheckpoint).Text);

    public static byte[] LeafHash(string memberCheckpoint) => TreeHasher.HashLeaf(LeafData(memberCheckpoint));
}
