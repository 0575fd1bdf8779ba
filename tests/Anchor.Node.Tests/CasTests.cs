using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Grains;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>The head moves only by compare-and-swap: a stale writer fails and the log never forks.</summary>
[Collection(NodeCollection.Name)]
public sealed class CasTests(RedisServer redis)
{
    [Fact]
    public async Task A_stale_head_write_through_the_storage_API_fails_and_writes_nothing_visible()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, "cas-store.test/log");
        using var signer = NoteSigner.Generate("cas-store.test/log");

        var empty = await store.ReadHeadAsync();
        var range = await store.ReadRangeAsync(empty);
        var winner = new LogBatch(empty, range);
        var stale = new LogBatch(empty, range);
        winner.Add("a"u8, TreeHasher.HashLeaf("a"u8));
        winner.Add("b"u8, TreeHasher.HashLeaf("b"u8));
        stale.Add("x"u8, TreeHasher.HashLeaf("x"u8));

        Assert.True(await store.TryAppendAsync(winner, signer.Sign(new Checkpoint(store.Origin, 2, winner.Root()))));
        // The loser built on size 0; the head is at 2 now, so its compare fails and nothing changes.
        Assert.False(await store.TryAppendAsync(stale, signer.Sign(new Checkpoint(store.Origin, 1, stale.Root()))));

        var head = await store.ReadHeadAsync();
        Assert.Equal(2UL, head.Size);
        Assert.Equal(winner.Root(), head.Root);
        Assert.Equal("a"u8.ToArray(), await store.ReadEntryAsync(0, head));
        Assert.Null(await store.ReadEntryAsync(2, head));
        Assert.Equal(winner.Root(), (await store.ReadRangeAsync(head)).Root());

        // Even a writer that knows the current size but not the root (a forked history) is refused.
        var forged = new LogHead(2, TreeHasher.HashLeaf("fork"u8), null);
        var fork = new LogBatch(forged, new CompactRange(2, [TreeHasher.HashLeaf("fork"u8)]));
        fork.Add("y"u8, TreeHasher.HashLeaf("y"u8));
        Assert.False(await store.TryAppendAsync(fork, "irrelevant"));
        Assert.Equal(winner.Root(), (await store.ReadHeadAsync()).Root);
    }

    [Fact]
    public async Task A_second_sequencer_loses_the_race_reloads_and_continues_without_a_fork()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, "cas-seq.test/log");
        using var signer = NoteSigner.Generate("cas-seq.test/log");
        var first = new LogSequencer(store, signer);
        var second = new LogSequencer(store, signer);
        await first.LoadAsync();
        await second.LoadAsync(); // Both believe the log is empty: two activations, as after a partition.

        var a = (await first.SequenceAsync([Records("p", 3)])).Select(c => c.Records).ToArray();
        Assert.Equal([0UL, 1UL, 2UL], a[0].Select(r => r.LeafIndex));
        var b = Records("p", 2);
        await Assert.ThrowsAsync<SequencerUnavailableException>(() => second.SequenceAsync([b]));

        var head = await store.ReadHeadAsync();
        Assert.Equal(3UL, head.Size);
        Assert.Equal(first.Head!.Root, head.Root);

        // The loser reloaded; the callers' retry lands after the winner's entries.
        var retried = (await second.SequenceAsync([b])).Select(c => c.Records).ToArray();
        Assert.Equal([3UL, 4UL], retried[0].Select(r => r.LeafIndex));
        // And the first, now stale, refuses rather than overwrite 3 and 4.
        await Assert.ThrowsAsync<SequencerUnavailableException>(() => first.SequenceAsync([Records("p", 1)]));

        head = await store.ReadHeadAsync();
        Assert.Equal(5UL, head.Size);
        var leaves = new List<byte[]>();
        for (ulong i = 0; i < head.Size; i++) leaves.Add(TreeHasher.HashLeaf((await store.ReadEntryAsync(i, head))!));
        Assert.Equal(head.Root, TreeHasher.Root(leaves));
        Assert.Equal(5UL, Checkpoint.Verify(head.Checkpoint!, signer.VerifierKey).Size);
    }

    [Fact]
    public async Task Data_staged_above_the_head_by_a_dead_writer_is_invisible_and_overwritten()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, "cas-staged.test/log");
        using var signer = NoteSigner.Generate("cas-staged.test/log");
        var sequencer = new LogSequencer(store, signer);
        var first = (await sequencer.SequenceAsync([Records("p", 2)])).Select(c => c.Records).ToArray();

        // A writer that died half-way through its script left entries, a tile tail and index hints at 2 and 3.
        var db = connection.GetDatabase();
        var staged = TestProvider.NewEvidence();
        await db.HashSetAsync(store.Keys.Full(LogKeys.EntryBundle(2)), [new("2", "junk"), new("3", "junk")]);
        await db.StringSetRangeAsync(store.Keys.Full(LogKeys.Tile(0, 0)), 64, new byte[64]);
        var (hashKey, hashField) = LogKeys.ByHash(staged.Hash);
        await db.HashSetAsync(store.Keys.Full(hashKey), hashField, LogKeys.IndexValue(2));
        var (nonceKey, nonceField) = LogKeys.ByNonce("p", staged.Nonce);
        await db.HashSetAsync(store.Keys.Full(nonceKey), nonceField, LogKeys.IndexValue(3));

        var head = await store.ReadHeadAsync();
        Assert.Null(await store.ReadEntryAsync(2, head));
        Assert.Null(await store.ReadTileAsync(0, 0, 3, head));
        Assert.Equal(64, (await store.ReadTileAsync(0, 0, 2, head))!.Length);
        Assert.Empty(await store.ReadIndicesByHashAsync(staged.Hash, head));
        Assert.Empty(await store.ReadNoncesAsync("p", [staged.Nonce], head));

        // The staged nonce does not pass for a committed record: the record is sequenced anew, over the junk.
        var record = VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(staged), "c2ln", 0, Anchor.Core.Records.Times.ToText(DateTimeOffset.UtcNow));
        var second = (await sequencer.SequenceAsync([[record, .. Records("p", 1)]])).Select(c => c.Records).ToArray();
        Assert.Equal([2UL, 3UL], second[0].Select(r => r.LeafIndex));
        head = await store.ReadHeadAsync();
        var leaves = new List<byte[]>();
        for (ulong i = 0; i < head.Size; i++) leaves.Add(TreeHasher.HashLeaf((await store.ReadEntryAsync(i, head))!));
        Assert.Equal(head.Root, TreeHasher.Root(leaves));
        Assert.Equal(leaves.SelectMany(l => l), await store.ReadTileAsync(0, 0, 4, head));
        Assert.Equal([2UL], await store.ReadIndicesByHashAsync(staged.Hash, head));

        // A fresh sequencer (a restart) rebuilds the same range from the tiles and continues.
        var restarted = new LogSequencer(store, signer);
        Assert.Equal(4UL, (await restarted.LoadAsync()).Size);
        Assert.Equal([4UL], (await restarted.SequenceAsync([Records("p", 1)]))[0].Records.Select(r => r.LeafIndex));
        Assert.Equal(2, first[0].Length);
    }

    private static VerifiedRecord[] Records(string provider, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => VerifiedRecord.Single(provider, "k1", CanonicalEvidence.Of(TestProvider.NewEvidence()), "c2ln", 0, Anchor.Core.Records.Times.ToText(DateTimeOffset.UtcNow)))];
}
