using System.Text;
using NSec.Cryptography;

namespace Anchor.Core.Checkpoints;

/// <summary>
/// The log's Ed25519 key: it signs checkpoints as signed notes and receipts as raw messages.
/// The seed is secret; only <see cref="VerifierKey"/> is published.
/// </summary>
public sealed class NoteSigner : IDisposable
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private NoteSigner(string name, Key key)
    {
        _key = key;
        VerifierKey = VerifierKey.ForEd25519(name, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public VerifierKey VerifierKey { get; }
    public string Name => VerifierKey.Name;

    public static NoteSigner Generate(string name) =>
        new(name, Key.Create(Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    public static NoteSigner FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32) throw new ArgumentException("an Ed25519 seed is 32 bytes");
        return new(name, Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The 32-byte seed, for writing the key file. Never log it.</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    public byte[] SignBytes(ReadOnlySpan<byte> message) => Ed25519.Sign(_key, message);

    /// <summary>Signs note text (which must end in a newline) and returns the whole note.</summary>
    public string SignNote(string text)
    {
        if (!text.EndsWith('\n')) throw new ArgumentException("note text must end with a newline");
        var signature = new NoteSignature(Name, VerifierKey.KeyId, SignBytes(Encoding.UTF8.GetBytes(text)));
        return new SignedNote(text, [signature]).ToString();
    }

    public string Sign(Checkpoint checkpoint) => SignNote(checkpoint.Body());

    public void Dispose() => _key.Dispose();
}
