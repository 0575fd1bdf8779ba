using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;

namespace Anchor.Core.Records;

/// <summary>
/// The step from a member log's checkpoint to the root log that seals a cluster's logs together: the root log is an
/// RFC 9162 log whose leaves are member checkpoint bodies, and only its checkpoint is anchored and time-stamped.
/// The member checkpoint (the bundle's own) is leaf <see cref="LeafIndex"/> of the root tree of <see cref="TreeSize"/>,
/// <see cref="Inclusion"/> folds it to the root that <see cref="Checkpoint"/> (the root log's signed note) names, and
/// <see cref="LogKey"/> is the root log's key, information only as a bundle's logKey is.
/// <code>{ "leafIndex", "treeSize", "inclusion": [hex, ...], "checkpoint", "logKey" }</code>
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

    /// <summary>
    /// A member checkpoint's leaf data in the root log: its body (the note text before the blank line, final newline
    /// included), the same bytes a TSA imprint hashes, so cosignatures added to the note later leave the leaf unchanged.
    /// Throws <see cref="NoteError"/> on a malformed note.
    /// </summary>
    public static byte[] LeafData(string memberCheckpoint) => SignedNote.TextBytes(memberCheckpoint);

    /// <summary>SHA-256(0x00 ‖ body): the member checkpoint's leaf hash in the root log.</summary>
    public static byte[] LeafHash(string memberCheckpoint) => TreeHasher.HashLeaf(LeafData(memberCheckpoint));
}
