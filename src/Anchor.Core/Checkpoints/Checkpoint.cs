using System.Globalization;

namespace Anchor.Core.Checkpoints;

/// <summary>
/// A c2sp.org/tlog-checkpoint body:
/// <code>
/// &lt;origin&gt;\n
/// &lt;decimal tree size&gt;\n
/// &lt;base64 root hash&gt;\n
/// [extension lines]\n
/// </code>
/// </summary>
public sealed record Checkpoint(string Origin, ulong Size, byte[] Root, IReadOnlyList<string> Extensions)
{
    public Checkpoint(string origin, ulong size, byte[] root) : this(origin, size, root, []) { }

    public string Body() =>
        $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(Root)}\n" + string.Concat(Extensions.Select(e => e + "\n"));

    public static Checkpoint ParseBody(string text)
    {
        if (!text.EndsWith('\n')) throw new MalformedNoteError("checkpoint body must end with a newline");
        var lines = text[..^1].Split('\n');
        if (lines.Length < 3) throw new MalformedNoteError("checkpoint needs origin, size and root lines");
        var origin = lines[0];
        if (origin.Length == 0) throw new MalformedNoteError("checkpoint origin is empty");
        var sizeText = lines[1];
        if (sizeText.Length is 0 or > 20 || (sizeText.Length > 1 && sizeText[0] == '0')
            || !ulong.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            throw new MalformedNoteError($"checkpoint size '{sizeText}' is not a decimal number");
        byte[] root;
        try { root = Convert.FromBase64String(lines[2]); }
        catch (FormatException) { throw new MalformedNoteError("checkpoint root is not valid base64"); }
        if (root.Length != 32) throw new MalformedNoteError($"checkpoint root is {root.Length} bytes, want 32");
        var extensions = lines[3..];
        if (extensions.Any(e => e.Length == 0)) throw new MalformedNoteError("checkpoint extension lines must not be empty");
        return new Checkpoint(origin, size, root, extensions);
    }

    /// <summary>Verifies the note with the trusted keys, then parses its checkpoint body.</summary>
    public static Checkpoint Verify(string note, params VerifierKey[] trusted)
    {
        var opened = NoteVerifier.Verify(note, trusted);
        var checkpoint = ParseBody(opened.Text);
        // The origin line names the log; a checkpoint signed for another log is not this log's.
        if (!trusted.Any(k => k.Name == checkpoint.Origin) && trusted.Length > 0)
            throw new MalformedNoteError($"checkpoint origin '{checkpoint.Origin}' is not the name of a trusted key");
        return checkpoint;
    }
}
