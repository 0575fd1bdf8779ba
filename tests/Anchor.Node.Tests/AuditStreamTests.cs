using System.Globalization;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Grains;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// The streaming audit over a log of several windows (it reads 4,096 entries at a time and forgets them): a clean log
/// passes, and index lists forged across windows are named, whether the list's false member comes after its first
/// carrier (a pending claim), before it (read again), or an entry drops out of its hash index.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class AuditStreamTests(RedisServer redis)
{
    [Fact]
    public async Task Index_lists_forged_across_windows_are_named_exactly()
    {
        const string origin = "stream.test/log";
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, origin);
        using var signer = NoteSigner.Generate(origin);
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var sequencer = new LogSequencer(store, signer);
        var registration = new KeyRegistration("p", "k1", key.Descriptor,
            Convert.ToBase64String(key.Sign(Statements.KeyRegistration("p", "k1", key.Descriptor))), Times.ToText(DateTimeOffset.UtcNow));
        var keyEntry = (await sequencer.AppendKeyEventsAsync([new KeyEvent(registration.LeafData(), null)]))[0];
        // Every other record under one contract, whose list spans every window; the rest under contracts of their own.
        var evidence = new List<Evidence>();
        for (var pool = 0; pool < 9; pool++)
        {
            var records = Enumerable.Range(pool * 1000, 1000).Select(n => TestProvider.NewEvidence(n % 2 == 0 ? "shared" : $"c-{n}")).ToList();
            evidence.AddRange(records);
            var results = await sequencer.SequenceAsync([[.. records.Select(e => VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(e), "c2ln", keyEntry, Times.ToText(DateTimeOffset.UtcNow)))]]);
            Assert.All(results[0].Records, r => Assert.Null(r.ErrorCode));
        }
        var size = (await store.ReadHeadAsync()).Size;
        Assert.Equal(9001UL, size);
        var audit = new LogAudit(connection, origin);
        var none = new Dictionary<string, Anchor.Core.Verification.IAnchorLookup>();
        var clean = await audit.RunAsync(signer.VerifierKey, [], none, null, default);
        Assert.True(clean.Clean, string.Join("\n", clean.Findings));
        Assert.Equal(size, clean.Size);

        // Entry n is leaf n + 1 (the key registration is leaf 0).
        var db = connection.GetDatabase();
        var keys = new LogKeys(origin);
        static ulong Leaf(int n) => (ulong)n + 1;
        // Entry 8500 (contract c-8499) added to the shared contract's index: it comes windows after the index's first carrier.
        var (sharedBucket, sharedField) = LogKeys.ByContract("p", "shared");
        var sharedIndex = (byte[])(await db.HashGetAsync(keys.Full(sharedBucket), sharedField))!;
        await db.HashSetAsync(keys.Full(sharedBucket), sharedField, (RedisValue)(byte[])[.. sharedIndex, .. LogKeys.IndexValue(Leaf(8499))]);
        // Entry 10 (contract c-9) added to the index of c-8001, in the list a log written before the bucketed index keeps (still
        // read): it comes windows before that index's only carrier.
        await db.ListRightPushAsync(keys.Full(LogKeys.ContractList("p", "c-8001")), Leaf(9).ToString(CultureInfo.InvariantCulture));
        // Entry 5001 taken out of its hash index.
        var (bucket, field) = LogKeys.ByHash(evidence[5000].Hash);
        Assert.True(await db.HashDeleteAsync(keys.Full(bucket), field));

        var report = await audit.RunAsync(signer.VerifierKey, [], none, null, default);
        Assert.Equal(
            [$"entry {Leaf(9)}: is listed under a contract it does not carry", $"entry {Leaf(5000)}: is missing from the index of its evidence hash",
             $"entry {Leaf(8499)}: is listed under a contract it does not carry"],
            report.Findings.Select(f => $"{f.Subject}: {f.Problem}"));
    }
}
