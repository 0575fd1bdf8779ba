using System.Text;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Checkpoints;

public class CheckpointTests
{
    private const string TesseraKey = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

    public static TheoryData<int> TesseraSizes() => [.. Enumerable.Range(0, 16)];

    /// <summary>Checkpoints written by transparency-dev/tessera, an independent C2SP implementation.</summary>
    [Theory]
    [MemberData(nameof(TesseraSizes))]
    public void TesseraCheckpointsVerify(int size)
    {
        var note = File.ReadAllText(TestData.Vector("tessera-log", $"checkpoint.{size}"));
        var checkpoint = Checkpoint.Verify(note, VerifierKey.Parse(TesseraKey));
        Assert.Equal("example.com/log/testdata", checkpoint.Origin);
        Assert.Equal((ulong)size, checkpoint.Size);
        if (size == 0) Assert.Equal(TreeHasher.EmptyRoot(), checkpoint.Root);
    }

    /// <summary>The example of golang.org/x/mod/sumdb/note and c2sp.org/signed-note.</summary>
    [Fact]
    public void SignedNoteSpecExampleVerifies()
    {
        var key = VerifierKey.Parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
        var note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n"
            + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        var opened = NoteVerifier.Verify(note, [key]);
        Assert.StartsWith("If you think", opened.Text);
    }

    [Fact]
    public void OurCheckpointsRoundTrip()
    {
        using var signer = NoteSigner.Generate("anchor.example/log");
        var root = TreeHasher.HashLeaf("x"u8);
        var note = signer.Sign(new Checkpoint("anchor.example/log", 42, root));
        var vkey = VerifierKey.Parse(signer.VerifierKey.ToString());
        var back = Checkpoint.Verify(note, vkey);
        Assert.Equal(42UL, back.Size);
        Assert.Equal(root, back.Root);
        Assert.Matches(@"^anchor\.example/log\n42\n[A-Za-z0-9+/=]{44}\n\n— anchor\.example/log [A-Za-z0-9+/=]{92}\n$", note);
    }

    [Fact]
    public void SeedRoundTripKeepsTheKey()
    {
        using var a = NoteSigner.Generate("log");
        using var b = NoteSigner.FromSeed("log", a.ExportSeed());
        Assert.Equal(a.VerifierKey.ToString(), b.VerifierKey.ToString());
    }

    [Fact]
    public void UnknownKeysAreIgnoredAndAKnownKeyMustVerify()
    {
        using var log = NoteSigner.Generate("log");
        using var witness = NoteSigner.Generate("witness");
        var body = new Checkpoint("log", 1, TreeHasher.HashLeaf("a"u8)).Body();
        var both = log.SignNote(body) + SignatureLine(witness, body);
        Checkpoint.Verify(both, log.VerifierKey);                                       // witness unknown: ignored
        Assert.Throws<UnverifiedNoteError>(() => NoteVerifier.Verify(both, [NoteSigner.Generate("other").VerifierKey]));

        // A known key with a bad signature rejects the note, even when another known key verifies.
        using var impostor = NoteSigner.Generate("witness");
        var badWitnessLine = new NoteSignature("witness", witness.VerifierKey.KeyId, impostor.SignBytes(Encoding.UTF8.GetBytes(body))).Line;
        Assert.Throws<InvalidSignatureError>(() => NoteVerifier.Verify(log.SignNote(body) + badWitnessLine, [log.VerifierKey, witness.VerifierKey]));
    }

    [Fact]
    public void SixteenSignaturesAreAccepted()
    {
        using var log = NoteSigner.Generate("log");
        var body = new Checkpoint("log", 7, TreeHasher.HashLeaf("a"u8)).Body();
        var note = log.SignNote(body);
        for (var i = 0; i < 16; i++)
        {
            using var w = NoteSigner.Generate($"witness{i}");
            note += SignatureLine(w, body);
        }
        Assert.Equal(17, SignedNote.Parse(note).Signatures.Count);
        Assert.Equal(7UL, Checkpoint.Verify(note, log.VerifierKey).Size);
    }

    [Fact]
    public void FlippedSignatureBitIsRejected()
    {
        using var log = NoteSigner.Generate("log");
        var note = log.Sign(new Checkpoint("log", 3, TreeHasher.HashLeaf("a"u8)));
        var parsed = SignedNote.Parse(note);
        var sig = parsed.Signatures[0];
        var bad = sig with { Signature = [.. sig.Signature] };
        bad.Signature[10] ^= 0x01;
        Assert.Throws<InvalidSignatureError>(() => NoteVerifier.Verify(new SignedNote(parsed.Text, [bad]).ToString(), [log.VerifierKey]));
    }

    [Theory]
    [InlineData("log\n3\nAAAA\n\n", "signature block")]
    [InlineData("log\n3\n", "blank line")]
    [InlineData("log\r\n3\n\n— log AAAAAAA=\n", "control character")]
    [InlineData("log\n\n- log AAAAAAAA\n", "does not start")]
    [InlineData("log\n\n— log\n", "no signature")]
    [InlineData("log\n\n— log !!!!\n", "base64")]
    [InlineData("log\n\n— log AAAA\n", "too short")]
    [InlineData("log\n\n— lo+g AAAAAAAA\n", "not valid")]
    public void MalformedNotesNameTheFault(string note, string fault) =>
        Assert.Contains(fault, Assert.Throws<MalformedNoteError>(() => SignedNote.Parse(note)).Message);

    [Theory]
    [InlineData("log\n03\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "size")]
    [InlineData("log\n-3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "size")]
    [InlineData("log\n3\nAAAA\n", "32")]
    [InlineData("\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", "origin")]
    [InlineData("log\n3\n", "origin, size and root")]
    [InlineData("log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n", "extension")]
    public void MalformedCheckpointBodiesNameTheFault(string body, string fault) =>
        Assert.Contains(fault, Assert.Throws<MalformedNoteError>(() => Checkpoint.ParseBody(body)).Message);

    [Theory]
    [InlineData("log+33d7b496")]
    [InlineData("log+zzzzzzzz+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx")]
    [InlineData("example.com/log/testdata+33d7b497+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx")]
    [InlineData("example.com/log/testdata+33d7b496+AuHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx")]
    public void MalformedVerifierKeysAreRejected(string vkey) => Assert.False(VerifierKey.TryParse(vkey, out _, out _));

    [Fact]
    public void VerifierKeyFormatRoundTrips() => Assert.Equal(TesseraKey, VerifierKey.Parse(TesseraKey).ToString());

    private static string SignatureLine(NoteSigner signer, string body) =>
        new NoteSignature(signer.Name, signer.VerifierKey.KeyId, signer.SignBytes(Encoding.UTF8.GetBytes(body))).Line;
}
