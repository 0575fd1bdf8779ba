using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class LogStoreTests(RedisServer redis)
{
    [Fact]
    public async Task Tiles_match_an_in_memory_tree_at_every_size_and_kept_checkpoints_outlive_the_head()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, "store.test/log");
        using var signer = NoteSigner.Generate("store.test/log");
        var reference = new MemoryTree();
        var kept = new Dictionary<ulong, string>();
        var random = new Random(7);
        // Batches of odd sizes cross tile boundaries at level 0 and level 1.
        while (reference.Size < 70_000)
        {
            var head = await store.ReadHeadAsync();
            var batch = new LogBatch(head, await store.ReadRangeAsync(head));
            var count = random.Next(1, 3000);
            for (var i = 0; i < count; i++)
            {
                var data = BitConverter.GetBytes(reference.Size);
                reference.AppendData(data);
                batch.Add(data, TreeHasher.HashLeaf(data));
            }
            var note = signer.Sign(new Checkpoint(store.Origin, batch.NewSize, batch.Root()));
            Assert.True(await store.TryAppendAsync(batch, note));
            Assert.Equal(reference.Root(), (await store.ReadHeadAsync()).Root);
            if (kept.Count < 3) { await store.KeepCheckpointAsync(batch.NewSize, note); kept[batch.NewSize] = note; }
        }

        var final = await store.ReadHeadAsync();
        foreach (var (index, size) in new (ulong, ulong)[] { (0, final.Size), (65_535, final.Size), (final.Size - 1, final.Size), (300, 70_000 - 1), (5, 257) })
        {
            var shape = ProofShape.Inclusion(index, size);
            Assert.Equal(reference.Inclusion(index, size), shape.Fold(await store.ReadNodeHashesAsync(shape.Nodes)));
        }
        foreach (var (m, n) in new (ulong, ulong)[] { (1, final.Size), (256, 65_536), (65_537, final.Size), (1000, 1001) })
        {
            var shape = ProofShape.Consistency(m, n);
            Assert.Equal(reference.Consistency(m, n), shape.Fold(await store.ReadNodeHashesAsync(shape.Nodes)));
        }
        foreach (var (size, note) in kept) Assert.Equal(note, await store.ReadKeptCheckpointAsync(size));
        Assert.Null(await store.ReadKeptCheckpointAsync(final.Size + 1));
    }
}
