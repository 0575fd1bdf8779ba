using System.Text;
using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// Records of provider batches are stored as their evidence and place, their batch once: every reader must give back
/// the leaf data the entry had when it was sequenced, byte for byte.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class BatchStorageTests(RedisServer redis)
{
    private const string KeyId = "k1";
    private const string Sig = "c2lnbmF0dXJlIG9mIHRoZSBiYXRjaA==";

    [Fact]
    public async Task Batch_records_of_every_size_read_back_as_the_leaf_data_they_were_sequenced_with()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var (store, signer, sequencer) = await LogAsync(connection, "batch-store.test/log");
        using var _ = signer;

        // One pool of several batches (several batch/F written by one script), then more sizes in later appends.
        var pools = new[] { new[] { 1, 2, 3 }, [7, 1000], [5, 257, 256, 13] };
        var single = Single("p");
        var written = new List<(ulong Index, byte[] LeafData)>();
        var first = true;
        foreach (var sizes in pools)
        {
            var batches = sizes.Select(n => Batch("p", TestEvidence(n))).ToList();
            VerifiedRecord[][] calls = first ? [[single], .. batches.Select(b => b.Records)] : [.. batches.Select(b => b.Records)];
            var results = (await sequencer.SequenceAsync(calls)).Select(c => c.Records).ToArray();
            var offset = first ? 1 : 0;
            for (var c = 0; c < batches.Count; c++)
            {
                for (var i = 0; i < batches[c].Records.Length; i++)
                {
                    var result = results[c + offset][i];
                    var expected = Expected(batches[c], i, result);
                    Assert.Equal(Hex.Encode(TreeHasher.HashLeaf(expected)), result.LeafHash);
                    written.Add((result.LeafIndex, expected));
                }
                // The batch is written once, under the log index of its first record.
                Assert.True(await connection.GetDatabase().KeyExistsAsync(store.Keys.Full(LogKeys.Batch(results[c + offset][0].LeafIndex))));
            }
            first = false;
        }

        var head = await store.ReadHeadAsync();
        Assert.Equal((ulong)written.Count + 2, head.Size); // And the key registration (0) and the single.
        var db = connection.GetDatabase();
        foreach (var (index, expected) in written)
        {
            Assert.Equal(expected, await store.ReadEntryAsync(index, head));
            var stored = (byte[])(await db.HashGetAsync(store.Keys.Full(LogKeys.EntryBundle(index)), LogKeys.EntryField(index)))!;
            Assert.Equal(BatchRecord.Marker, stored[0]);
            Assert.True(stored.Length < expected.Length / 2, $"entry {index}: {stored.Length} bytes stored for {expected.Length}");
        }
        Assert.Equal(0x00, ((byte[])(await db.HashGetAsync(store.Keys.Full(LogKeys.EntryBundle(0)), LogKeys.EntryField(0)))!)[0]); // Single records stay whole.

        // Whatever the caches hold (nothing; one tile and one batch, evicting on every other read; everything), readers
        // give the same entries, and the leaf hash they return is the entry's.
        LogStore[] stores = [new(connection, store.Origin, 0, 0), new(connection, store.Origin, 16 << 10, 64 << 10), store];
        foreach (var reader in stores)
            foreach (var (index, expected) in written.Concat(written.AsEnumerable().Reverse()))
            {
                var leaf = await reader.ReadLeafAsync(index, head);
                Assert.Equal(expected, leaf!.Data);
                Assert.Equal(TreeHasher.HashLeaf(expected), leaf.Hash);
            }

        var report = await new LogAudit(connection, store.Origin).RunAsync(signer.VerifierKey, [], new Dictionary<string, Anchor.Core.Verification.IAnchorLookup>(), null, default);
        Assert.True(report.Clean, string.Join("\n", report.Findings));
    }

    [Fact]
    public async Task A_retried_batch_commits_only_its_new_records_and_each_keeps_its_index_in_the_batch()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var (store, signer, sequencer) = await LogAsync(connection, "batch-retry.test/log");
        using var _ = signer;

        // Records 1, 2 and 5 of the batch of 7 were sequenced before, in another batch: a retry returns their receipts.
        var evidence = TestEvidence(7);
        var earlier = Batch("p", [evidence[1], evidence[2], evidence[5]]);
        var before = (await sequencer.SequenceAsync([[Single("p")], earlier.Records]))[1].Records;
        Assert.Equal([2UL, 3UL, 4UL], before.Select(r => r.LeafIndex)); // After the key registration (0) and the single.

        var batch = Batch("p", evidence);
        var call = (await sequencer.SequenceAsync([[Single("p")], batch.Records]))[1];
        var results = call.Records;
        // Old and new records interleave in the log: one range proof per run of neighbours, each folding its records'
        // leaf hashes to the root of the call's checkpoint.
        var root = Checkpoint.Verify(call.Checkpoint!, signer.VerifierKey).Root;
        var at = 0;
        foreach (var run in call.Runs!)
        {
            Assert.Equal(results.Skip(at).Take(run.Count).Select(r => r.LeafIndex), Enumerable.Range(0, run.Count).Select(i => run.First + (ulong)i));
            RangeProof.Verify(run.First, [.. results.Skip(at).Take(run.Count).Select(r => Hex.Decode(r.LeafHash!))], call.TreeSize, run.Left, run.Right, root);
            at += run.Count;
        }
        Assert.Equal(results.Length, at);
        Assert.True(call.Runs.Length > 1);
        Assert.Equal(before[0], results[1]);
        Assert.Equal(before[1], results[2]);
        Assert.Equal(before[2], results[5]);
        // The new ones, 0, 3, 4 and 6 of the batch, are entries 6 to 9: not their places in the batch.
        int[] fresh = [0, 3, 4, 6];
        Assert.Equal([6UL, 7UL, 8UL, 9UL], fresh.Select(i => results[i].LeafIndex));

        var head = await store.ReadHeadAsync();
        foreach (var i in fresh)
            Assert.Equal(Expected(batch, i, results[i]), await store.ReadEntryAsync(results[i].LeafIndex, head));
        for (var i = 0; i < 3; i++)
            Assert.Equal(Expected(earlier, i, before[i]), await store.ReadEntryAsync(before[i].LeafIndex, head));

        // A second retry finds every record through the nonce index and the rebuilt entries: the same receipts again.
        var again = (await sequencer.SequenceAsync([batch.Records]))[0].Records;
        static (string, ulong, string) Answer(SequencedRecord r) => (Encoding.UTF8.GetString(r.Entry!), r.LeafIndex, r.LeafHash!);
        Assert.Equal(results.Select(Answer), again.Select(Answer));
        Assert.Equal(10UL, (await store.ReadHeadAsync()).Size);
    }

    [Fact]
    public async Task Whole_entries_of_the_old_layout_still_read_and_a_damaged_batch_is_named()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var (store, signer, sequencer) = await LogAsync(connection, "batch-old.test/log");
        using var _ = signer;
        var db = connection.GetDatabase();

        // Entries written before batch/F existed: every batch record whole, with its path.
        var old = Batch("p", TestEvidence(3));
        var oldEntries = Enumerable.Range(0, 3).Select(i => Entry(old, i, "2026-11-26T11:00:00.000Z")).ToList();
        var empty = await store.ReadHeadAsync();
        var append = new LogBatch(empty, await store.ReadRangeAsync(empty));
        foreach (var entry in oldEntries)
        {
            var index = append.Add(entry.LeafData(), entry.LeafHash());
            append.IndexByHash(entry.Evidence.Hash, index);
            append.IndexByContract(entry.Provider, entry.Evidence.ContractId, index);
            append.IndexNonce(entry.Provider, entry.Evidence.Nonce, index);
        }
        Assert.True(await store.TryAppendAsync(append, signer.Sign(new Checkpoint(store.Origin, 4, append.Root()))));

        var batch = Batch("p", TestEvidence(6));
        // A sequencer loaded after the old entries were written (the one above holds the head from before them).
        var results = (await new LogSequencer(store, signer).SequenceAsync([batch.Records]))[0].Records;
        var head = await store.ReadHeadAsync();
        for (var i = 0; i < 3; i++) Assert.Equal(oldEntries[i].LeafData(), await store.ReadEntryAsync((ulong)i + 1, head));
        for (var i = 0; i < 6; i++) Assert.Equal(Expected(batch, i, results[i]), await store.ReadEntryAsync(results[i].LeafIndex, head));
        var audit = new LogAudit(connection, store.Origin);
        var none = new Dictionary<string, Anchor.Core.Verification.IAnchorLookup>();
        var clean = await audit.RunAsync(signer.VerifierKey, [], none, null, default);
        Assert.True(clean.Clean, string.Join("\n", clean.Findings));

        // One bit of the leaf hash of record 4 (entry 8) inside batch/4: record 5's path uses it, record 4's does not.
        var key = store.Keys.Full(LogKeys.Batch(4));
        var value = (byte[])(await db.StringGetAsync(key))!;
        var damaged = value.ToArray();
        damaged[4 * 32 + 9] ^= 0x01;
        await db.StringSetAsync(key, damaged);
        // A store keeps the committed batches it has read; a node started after the damage reads it afresh.
        LogStore Fresh() => new(connection, store.Origin);
        Assert.Equal(Expected(batch, 4, results[4]), await Fresh().ReadEntryAsync(8, head));
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => Fresh().ReadEntryAsync(9, head));
        Assert.Contains("entry 9 rebuilt from batch/4", error.Message, StringComparison.Ordinal);
        Assert.Equal(["entry 9"], (await audit.RunAsync(signer.VerifierKey, [], none, null, default)).Findings.Select(f => f.Subject));

        // The shared part names another size than the records do.
        var header = System.Text.Encoding.UTF8.GetString(value.AsSpan((int)StoredBatch.HeaderOffset(6))).Replace("\"size\":\"6\"", "\"size\":\"7\"", StringComparison.Ordinal);
        byte[] resized = [.. value.AsSpan(0, (int)StoredBatch.HeaderOffset(6)), .. System.Text.Encoding.UTF8.GetBytes(header)];
        await db.StringSetAsync(key, resized);
        error = await Assert.ThrowsAsync<InvalidDataException>(() => Fresh().ReadEntryAsync(6, head));
        Assert.Contains("batch/4 is a batch of 7, its record says 6", error.Message, StringComparison.Ordinal);

        // And no batch at all.
        await db.KeyDeleteAsync(key);
        await Assert.ThrowsAsync<InvalidDataException>(() => Fresh().ReadEntryAsync(4, head));
        // The store that read the batch before it was deleted still serves it, and checks it against the log's leaf.
        Assert.Equal(Expected(batch, 3, results[3]), await store.ReadEntryAsync(7, head));
        var findings = (await audit.RunAsync(signer.VerifierKey, [], none, null, default)).Findings;
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"entry {i}"), findings.Select(f => f.Subject).Distinct());
        Assert.Contains(findings, f => f.Problem.Contains("batch/4 is missing", StringComparison.Ordinal));

        await db.StringSetAsync(key, value);
        Assert.True((await audit.RunAsync(signer.VerifierKey, [], none, null, default)).Clean);
    }

    /// <summary>A log whose entry 0 registers provider p's key k1, which every record here names (as the node's logs do).</summary>
    private static async Task<(LogStore, NoteSigner, LogSequencer)> LogAsync(IConnectionMultiplexer connection, string origin)
    {
        var store = new LogStore(connection, origin);
        var signer = NoteSigner.Generate(origin);
        var sequencer = new LogSequencer(store, signer);
        using var key = Anchor.Core.Signatures.SigningKey.Generate(Anchor.Core.Signatures.SignatureAlg.Ed25519);
        var registration = new KeyRegistration("p", KeyId, key.Descriptor,
            Convert.ToBase64String(key.Sign(Statements.KeyRegistration("p", KeyId, key.Descriptor))), "2026-11-26T10:00:00.000Z");
        var indices = await sequencer.AppendKeyEventsAsync([new KeyEvent(registration.LeafData(), null)]);
        Assert.Equal(0UL, Assert.Single(indices));
        return (store, signer, sequencer);
    }

    private sealed record ProviderBatchRecords(string Provider, List<Evidence> Evidence, string Root, List<List<byte[]>> Paths, VerifiedRecord[] Records);

    private static List<Evidence> TestEvidence(int count) => [.. Enumerable.Range(0, count).Select(_ => TestProvider.NewEvidence())];

    /// <summary>A provider batch as the verifier grain hands it on: the root over d_i, and each record's leaf hash there.</summary>
    private static ProviderBatchRecords Batch(string provider, List<Evidence> evidence)
    {
        var tree = new MemoryTree();
        foreach (var e in evidence) tree.AppendData(Statements.BatchLeaf(provider, KeyId, e));
        var root = Hex.Encode(tree.Root());
        var size = (ulong)evidence.Count;
        var paths = Enumerable.Range(0, evidence.Count).Select(i => tree.Inclusion((ulong)i, size)).ToList();
        var leaves = evidence.Select(e => TreeHasher.HashLeaf(Statements.BatchLeaf(provider, KeyId, e))).ToList();
        var records = VerifiedRecord.OfBatch(provider, KeyId, [.. evidence.Select(CanonicalEvidence.Of)], Sig, root, 0, Times.ToText(DateTimeOffset.UtcNow),
            FlatTree.Build(leaves));
        return new(provider, evidence, root, paths, records);
    }

    private static VerifiedRecord Single(string provider) =>
        VerifiedRecord.Single(provider, KeyId, CanonicalEvidence.Of(TestProvider.NewEvidence()), Sig, 0, Times.ToText(DateTimeOffset.UtcNow));

    /// <summary>The entry of DESIGN A2, built here from the verifier's path, not from anything storage keeps.</summary>
    private static LogEntry Entry(ProviderBatchRecords batch, int i, string receivedAt) =>
        new(batch.Provider, KeyId, batch.Evidence[i], Sig,
            new BatchPath(batch.Root, Text((ulong)batch.Evidence.Count), Text((ulong)i), [.. batch.Paths[i].Select(h => Hex.Encode(h))]), receivedAt, "0");

    private static byte[] Expected(ProviderBatchRecords batch, int i, SequencedRecord result)
    {
        Assert.Null(result.ErrorCode);
        var receivedAt = JsonNode.Parse(result.Entry!)!["receivedAt"]!.GetValue<string>();
        var expected = Entry(batch, i, receivedAt).LeafData();
        Assert.Equal(expected, result.Entry); // What the caller was answered.
        return expected;
    }

    private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);
}
