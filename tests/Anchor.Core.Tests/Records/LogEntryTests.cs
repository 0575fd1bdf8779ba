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

    [Theory]
    [InlineData("01")]
    [InlineData("-1")]
    [InlineData("1.0")]
    [InlineData("")]
    [InlineData("18446744073709551616")]
    public void CountsAreCanonicalDecimal(string size) =>
        Assert.Throws<AnchorException>(() => LogEntry.FromJson(Entry(new BatchPath(new string('b', 64), size, "0", [])).ToJson()));
}
