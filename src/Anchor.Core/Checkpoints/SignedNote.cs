using System.Buffers.Binary;
using System.Text;

namespace Anchor.Core.Checkpoints;

/// <summary>One signature line of a note: <c>— name base64(keyID[4] || signature)</c>.</summary>
public sealed record NoteSignature(string Name, uint KeyId, byte[] Signature)
{
    public string Line => $"— {Name} {Convert.ToBase64String([.. KeyIdBytes(), .. Signature])}\n";

    private byte[] KeyIdBytes()
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, KeyId);
        return b;
    }
}

/// <summary>
/// A c2sp.org/signed-note: text ending in a newline, a blank line, then signature lines.
/// Parsing checks only the form; <see cref="NoteVerifier"/> decides which signatures count.
/// </summary>
public sealed record SignedNote(string Text, IReadOnlyList<NoteSignature> Signatures)
{
    /// <summary>More than this many signature lines is refused, so a hostile note can't make us work forever.</summary>
    public const int MaxSignatures = 100;

    public override string ToString() => Text + "\n" + string.Concat(Signatures.Select(s => s.Line));

    /// <summary>
    /// The UTF-8 bytes of a note's text, the checkpoint body for a checkpoint: what a TSA's imprint hashes and what a
    /// root log holds as a member's leaf. Throws <see cref="MalformedNoteError"/> on a malformed note.
    /// </summary>
    public static byte[] TextBytes(string note) => Encoding.UTF8.GetBytes(Parse(note).Text);

    public static SignedNote Parse(string note)
    {
        // UTF-8 text with no control characters other than newline.
        foreach (var c in note)
            if (c < 0x20 && c != '\n') throw new MalformedNoteError($"note contains control character U+{(int)c:X4}");
        if (note.Any(char.IsSurrogate) && !IsWellFormed(note)) throw new MalformedNoteError("note is not valid Unicode");

        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0) throw new MalformedNoteError("note has no blank line before its signatures");
        var text = note[..(split + 1)];
        var block = note[(split + 2)..];
        if (block.Length == 0 || block[^1] != '\n') throw new MalformedNoteError("signature block must end with a newline");

        var signatures = new List<NoteSignature>();
        foreach (var line in block[..^1].Split('\n'))
        {
            if (!line.StartsWith("— ", StringComparison.Ordinal)) throw new MalformedNoteError($"signature line does not start with '— ': '{Short(line)}'");
            var rest = line[2..];
            var space = rest.IndexOf(' ');
            if (space < 0) throw new MalformedNoteError("signature line has no signature after the key name");
            var (name, b64) = (rest[..space], rest[(space + 1)..]);
            if (!VerifierKey.IsValidName(name)) throw new MalformedNoteError($"signature key name '{Short(name)}' is not valid");
            byte[] blob;
            try { blob = Convert.FromBase64String(b64); }
            catch (FormatException) { throw new MalformedNoteError($"signature by '{name}' is not valid base64"); }
            if (b64.Length == 0 || blob.Length < 5) throw new MalformedNoteError($"signature by '{name}' is too short");
            if (signatures.Count == MaxSignatures) throw new MalformedNoteError($"note has more than {MaxSignatures} signatures");
            signatures.Add(new NoteSignature(name, BinaryPrimitives.ReadUInt32BigEndian(blob), blob[4..]));
        }
        return new SignedNote(text, signatures);
    }

    private static bool IsWellFormed(string s)
    {
        try { _ = new UTF8Encoding(false, true).GetByteCount(s); return true; }
        catch (EncoderFallbackException) { return false; }
    }

    private static string Short(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
