using Anchor.Core.Json;
using Anchor.Core.Records;
using FsCheck;
using FsCheck.Xunit;

namespace Anchor.Core.Tests.Records;

/// <summary>
/// The write path writes evidence, statements and entries through Jcs.WriteObject from their fields instead of building a
/// JSON tree: for any strings (escapes, 合同, astral characters, lone surrogates) that must be exactly the generic JCS encoder's output.
/// </summary>
public class CanonicalWriterProperties
{
    private static Evidence Make(NonNull<string> a, NonNull<string> b, NonNull<string> c, string? metadata) =>
        new(a.Get, "ab" + b.Get, c.Get + "合同\u0001\"\\", b.Get, metadata, c.Get + "\U0001F600", a.Get);

    /// <summary>Both encoders give the same bytes, or both refuse (a lone surrogate has no UTF-8 form).</summary>
    private static void Same(Func<byte[]> direct, Func<byte[]> generic)
    {
        byte[]? expected = null;
        try { expected = generic(); }
        catch (AnchorException) { Assert.Throws<AnchorException>(() => direct()); }
        if (expected is not null) Assert.Equal(expected, direct());
    }

    [Property(MaxTest = 300)]
    public void EvidenceAndStatementsAreJcs(NonNull<string> a, NonNull<string> b, NonNull<string> c, bool withMetadata, NonNull<string> provider)
    {
        var e = Make(a, b, c, withMetadata ? b.Get + c.Get : null);
        Same(e.Canonical, () => Jcs.Encode(e.ToJson()));
        var record = new System.Text.Json.Nodes.JsonObject { ["provider"] = provider.Get, ["keyId"] = a.Get, ["evidence"] = e.ToJson() };
        Same(() => Statements.BatchLeaf(provider.Get, a.Get, e), () => Jcs.Encode(record.DeepClone()));
        Same(() => Statements.Single(provider.Get, a.Get, e), () => Jcs.Encode(Statements.SinglePrefix, record.DeepClone()));
    }

    [Property(MaxTest = 300)]
    public void LeafDataIsJcsOfTheEntry(NonNull<string> a, NonNull<string> b, NonNull<string> c, bool batch, NonNegativeInt pathLength)
    {
        var path = batch ? new BatchPath(b.Get, c.Get, a.Get, [.. Enumerable.Range(0, pathLength.Get % 12).Select(i => c.Get + i)]) : null;
        var entry = new LogEntry(a.Get, b.Get, Make(a, b, c, null), c.Get, path, b.Get + "Z", a.Get + c.Get);
        Same(entry.LeafData, () => Jcs.Encode(entry.ToJson()));
    }

    /// <summary>The sequencer's and storage's direct writer of a batch record's entry (hashes as bytes, no strings) is JCS of that entry.</summary>
    [Property(MaxTest = 300)]
    public void BatchRecordLeafDataIsJcsOfTheEntry(NonNull<string> a, NonNull<string> b, NonNull<string> c, NonNegativeInt index, NonNegativeInt pathLength)
    {
        var shared = new ProviderBatch(a.Get, b.Get, c.Get, b.Get + a.Get, (ulong)index.Get + 1, c.Get + "Z", a.Get);
        var path = Enumerable.Range(0, pathLength.Get % 12).Select(i => System.Security.Cryptography.SHA256.HashData([(byte)i, (byte)index.Get])).ToList();
        var evidence = Make(a, b, c, null);
        var entry = new LogEntry(shared.Provider, shared.KeyId, evidence, shared.Sig,
            new BatchPath(shared.Root, JsonFields.Text(shared.Size), JsonFields.Text((ulong)index.Get), [.. path.Select(h => Hex.Encode(h))]),
            shared.ReceivedAt, shared.KeyEntry);
        Same(() => shared.LeafData((ulong)index.Get, evidence.Canonical(), path), () => Jcs.Encode(entry.ToJson()));
    }
}
