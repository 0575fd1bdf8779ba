using System.Text;

namespace Anchor.Core.Checkpoints;

/// <summary>
/// Opens a signed note against trusted keys, by the c2sp.org/signed-note rules: signatures from
/// unknown keys are ignored, a known key whose signature fails rejects the note, and at least one
/// known key must verify. Repeated signatures by one key count once.
/// </summary>
public static class NoteVerifier
{
    public static SignedNote Verify(string note, IEnumerable<VerifierKey> trusted)
    {
        var parsed = SignedNote.Parse(note);
        var keys = trusted.ToList();
        var text = Encoding.UTF8.GetBytes(parsed.Text);
        var verified = 0;
        var seen = new HashSet<(string, uint)>();
        foreach (var sig in parsed.Signatures)
        {
            var key = keys.Find(k => k.Name == sig.Name && k.KeyId == sig.KeyId);
            if (key is null || !seen.Add((sig.Name, sig.KeyId))) continue;
            if (!Signatures.Ed25519Verifier.VerifyRaw(key.PublicKey, text, sig.Signature)) throw new InvalidSignatureError(sig.Name);
            verified++;
        }
        if (verified == 0) throw new UnverifiedNoteError([.. parsed.Signatures.Select(s => s.Name).Distinct()]);
        return parsed;
    }
}
