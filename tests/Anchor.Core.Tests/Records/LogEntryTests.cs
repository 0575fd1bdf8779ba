using System.Security.Cryptography;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Core.Tests.Records;

public class LogEntryTests
{
    private static LogEntry Entry(BatchPath? batch = null) =>
        new("acme", "k1", Evidence.FromJson(EvidenceTests.Valid()), "c2ln", batch, "2026-11-26T11:00:01.250Z", "0");

    [Fact]
    public void LeafHashIsSha256OfZeroAndJcs()
    {
        var entry = Entry();
        Assert.Equal(SHA256.HashData([0x00, .. Jcs.Encode(entry.ToJson())]), entry.LeafHash());
    }

    [Fact]
    public void EntryRoundTripsThroughJson()
    {
        var entry = Entry(new BatchPath(new string('b', 64), "3", "2", [new string('c', 64)]));
        var back = LogEntry.FromJson(Jcs.ParseStrict(Jcs.Encode(entry.ToJson())));
        Assert.Equal(entry.LeafData(), back.LeafData());
    }

    [Fact]
    public void BatchIndexMustBeBelowSize() =>
        Assert.Throws<AnchorException>(() => LogEntry.FromJson(Entry(new BatchPath(new string('b', 64), "3", "3", [])).ToJson()));

    [Fact]
    public void ReceiptMessageIsPrefixedJcsOfFourMembers()
    {
        var message = System.Text.Encoding.UTF8.GetString(Receipt.SigningMessage("log", "7", "ab", "2026-11-26T11:00:00.000Z"));
        Assert.Equal("anchor-receipt:v1\n{\"leafHash\":\"ab\",\"leafIndex\":\"7\",\"origin\":\"log\",\"time\":\"2026-11-26T11:00:00.000Z\"}", message);
    }

    [Theory]
    [InlineData("01")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("")]
    [InlineData("18446744073709551616")]
    public void CountsAreCanonicalDecimal(string size) =>
        Assert.Throws<AnchorException>(() => LogEntry.FromJson(Entry(new BatchPath(new string('b', 64), size, "0", [])).ToJson()));

    [Fact]
    public void ReceiptSignatureVerifiesWithTheLogKeyOnly()
    {
        using var logKey = Core.Checkpoints.NoteSigner.Generate("log");
        var message = Receipt.SigningMessage("log", "7", new string('a', 64), "2026-11-26T11:00:00.000Z");
        var receipt = new Receipt("log", "7", new string('a', 64), "2026-11-26T11:00:00.000Z", Convert.ToBase64String(logKey.SignBytes(message)));
        Assert.True(receipt.VerifySignature(logKey.VerifierKey));
        Assert.False((receipt with { LeafIndex = "8" }).VerifySignature(logKey.VerifierKey));
        Assert.False((receipt with { Sig = "!!" }).VerifySignature(logKey.VerifierKey));
        using var other = Core.Checkpoints.NoteSigner.Generate("log");
        Assert.False(receipt.VerifySignature(other.VerifierKey));
    }
}
