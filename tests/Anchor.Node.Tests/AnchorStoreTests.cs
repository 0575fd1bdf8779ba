using System.Globalization;
using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Node.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>Anchor records indexed by size: requests read what they need, never every record ever written.</summary>
[Collection(NodeCollection.Name)]
public sealed class AnchorStoreTests(RedisServer redis)
{
    private static StoredAnchor Record(ulong size, string state, string chain = "c") =>
        new(StoredAnchor.NewId(size), chain, new ChainAnchor("31337", "0x" + new string('1', 40), "0x" + new string('2', 64), size.ToString(CultureInfo.InvariantCulture),
            new string('a', 64), "0x" + size.ToString("x64", CultureInfo.InvariantCulture), state == AnchorStates.Confirmed ? "7" : "", "", ""), state, null, "2026-11-30T00:00:00.000Z", null);

    private static Task Save(AnchorStore store, StoredAnchor r) =>
        store.SaveRecordAsync(r.Chain, r.Id, r.TreeSize, r.ToJson().ToJsonString(), r.State == AnchorStates.Confirmed, r.State == AnchorStates.Pending);

    [Fact]
    public async Task Reads_go_through_the_size_indexes_and_return_only_what_was_asked()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var origin = "anchor-store.test/" + Guid.NewGuid().ToString("N");
        var store = new AnchorStore(connection, origin);
        // 1,000 rounds: every tenth failed, every seventh orphaned, the newest three still open.
        for (ulong size = 1; size <= 1000; size++)
            await Save(store, Record(size, size > 997 ? AnchorStates.Pending : size % 10 == 0 ? AnchorStates.Failed : size % 7 == 0 ? AnchorStates.Orphaned : AnchorStates.Confirmed));

        var above = (await store.ReadFinalAboveAsync("c", 500, 16)).Select(StoredAnchor.FromJson).ToList();
        Assert.Equal(16, above.Count);
        Assert.All(above, r => Assert.Equal(AnchorStates.Confirmed, r.State));
        Assert.Equal(501UL, above[0].TreeSize); // the smallest sizes above the leaf, in order
        Assert.Equal(above.Select(r => r.TreeSize).Order(), above.Select(r => r.TreeSize));
        Assert.Equal(997UL, StoredAnchor.FromJson((await store.ReadNewestFinalAsync("c"))!).TreeSize);
        Assert.Equal([998UL, 999UL, 1000UL], (await store.ReadOpenAsync("c")).Select(j => StoredAnchor.FromJson(j).TreeSize).Order());
        Assert.Equal(1000UL, StoredAnchor.FromJson((await store.ReadLatestRecordAsync("c"))!).TreeSize);
        Assert.Equal(100, (await store.ReadNewestAsync("c", 100)).Count);
        Assert.Empty(await store.ReadFinalAtAsync("c", 70)); // orphaned
        Assert.Single(await store.ReadFinalAtAsync("c", 71));

        // A record that moves on leaves its old index entries: open → confirmed → orphaned.
        var open = StoredAnchor.FromJson((await store.ReadOpenAsync("c")).First());
        await Save(store, open with { State = AnchorStates.Confirmed });
        Assert.Equal(2, (await store.ReadOpenAsync("c")).Count);
        Assert.Single(await store.ReadFinalAtAsync("c", open.TreeSize));
        await Save(store, open with { State = AnchorStates.Orphaned });
        Assert.Empty(await store.ReadFinalAtAsync("c", open.TreeSize));

        // Readers above the store take a leaf's candidates only: the RecordedAnchors of the API.
        var recorded = new RecordedAnchors(store, Options.Create(new AnchoringOptions { Chains = [new("c", "http://127.0.0.1:1", 31337)] }));
        var forLeaf = await recorded.FinalAboveAsync(995, CancellationToken.None);
        Assert.Equal([996UL, 997UL], forLeaf.Select(a => a.TreeSize).Order());
    }

    [Fact]
    public async Task Records_written_before_the_indexes_existed_are_indexed_once()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var origin = "anchor-store.test/" + Guid.NewGuid().ToString("N");
        var keys = new LogKeys(origin);
        var db = connection.GetDatabase();
        // What the previous version wrote: the hash only.
        foreach (var r in new[] { Record(3, AnchorStates.Confirmed), Record(9, AnchorStates.Orphaned), Record(12, AnchorStates.Confirmed) })
            await db.HashSetAsync(keys.Full("anchors/c"), r.Id, r.ToJson().ToJsonString());

        var store = new AnchorStore(connection, origin);
        Assert.Equal([12UL], (await store.ReadFinalAboveAsync("c", 5, 16)).Select(j => StoredAnchor.FromJson(j).TreeSize));
        Assert.Equal(12UL, StoredAnchor.FromJson((await store.ReadNewestFinalAsync("c"))!).TreeSize);
        Assert.Equal(3, await db.SortedSetLengthAsync(keys.Full("anchors/c/by-size")));
        Assert.Equal(2, await db.SortedSetLengthAsync(keys.Full("anchors/c/final")));
    }
}
