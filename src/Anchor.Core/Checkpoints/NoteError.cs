namespace Anchor.Core.Checkpoints;

/// <summary>Why a signed note or checkpoint was rejected; the message names the exact fault.</summary>
public class NoteError(string message) : Exception(message);

/// <summary>The note is not well-formed (text, signature lines, or checkpoint body).</summary>
public sealed class MalformedNoteError(string message) : NoteError(message);

/// <summary>A signature by a known key does not verify: the whole note is rejected.</summary>
public sealed class InvalidSignatureError(string keyName) : NoteError($"signature by known key '{keyName}' does not verify");

/// <summary>No signature is from a key the verifier trusts.</summary>
public sealed class UnverifiedNoteError(IReadOnlyList<string> signers)
    : NoteError(signers.Count == 0 ? "the note has no signature" : $"no signature from a trusted key (signed by: {string.Join(", ", signers)})");
