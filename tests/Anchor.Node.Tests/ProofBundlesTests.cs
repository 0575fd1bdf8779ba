using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Node.Api;
using Anchor.Node.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Node.Tests;

/// <summary>How <see cref="ProofBundles"/> picks the tree of a bundle, on a real node and Redis.</summary>
[Collection(NodeCollection.Name)]
public sealed class ProofBundlesTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-bundles-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task A_head_remembered_from_before_a_larger_anchored_tree_is_read_again()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "bundles.test/log", _state));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        for (var i = 0; i < 3; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);

        // A clock that never moves: the head remembered at size 4 (the key registration and 3 records) stays fresh for the whole test.
        var anchors = new SettableAnchors();
        var services = node.Services;
        var store = services.GetRequiredService<LogStore>();
        var bundles = Bundles(services, anchors);
        var remembered = await bundles.HeadForAsync(1);
        Assert.Equal(4UL, remembered.Size);

        // The log grows to 9 and a chain confirms an anchor of size 9 before the remembered head is read again.
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
        var current = await store.ReadHeadAsync();
        Assert.Equal(9UL, current.Size);
        var anchor = new ChainAnchor("31337", "0x" + new string('1', 40), "0x" + new string('2', 64), "9", current.RootHex,
            "0x" + new string('3', 64), "7", "0x" + new string('4', 64), "2026-11-27T00:00:00Z");
        await store.KeepCheckpointAsync(9, current.Checkpoint!);
        anchors.Confirmed = [Confirmed("a", anchor)];
        Assert.Same(remembered, await bundles.HeadForAsync(1));

        // The bundle names the anchored tree, and its proof is a proof in that tree (the tiles beyond the
        // remembered head were read with the current one, not refused as missing).
        var bundle = JsonNode.Parse((await bundles.ForLeafAsync(1, remembered, ReadAccess.Everything, default))!)!.AsObject();
        Assert.Equal("9", bundle["treeSize"]!.GetValue<string>());
        Assert.Single(bundle["anchors"]!.AsArray());
        var checkpoint = Checkpoint.Verify(bundle["checkpoint"]!.GetValue<string>(), services.GetRequiredService<NoteSigner>().VerifierKey);
        ProofVerifier.VerifyInclusion(1, 9, Hex.Decode(bundle["leafHash"]!.GetValue<string>()),
            [.. bundle["inclusion"]!.AsArray().Select(h => Hex.Decode(h!.GetValue<string>()))], checkpoint.Root);
    }

    /// <summary>
    /// The size rule (docs/sealing.md): a size sealed by a chain and a TSA first, the smallest of those; a leaf above
    /// every such size gets the size only one route sealed; a leaf nothing seals, the latest checkpoint.
    /// </summary>
    [Fact]
    public async Task A_bundle_names_the_smallest_size_sealed_by_both_a_chain_and_a_TSA()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "bundles.test/rule", _state));
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        var services = node.Services;
        var store = services.GetRequiredService<LogStore>();
        var heads = new Dictionary<ulong, LogHead>();
        for (var i = 0; i < 9; i++)
        {
            Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
            var head = await store.ReadHeadAsync();
            heads[head.Size] = head;
            await store.KeepCheckpointAsync(head.Size, head.Checkpoint!);
        }
        // Chain a anchored 4 and 6, chain b anchored 4; TSA t1 stamped 6 and 8, t2 stamped 8.
        var anchors = new SettableAnchors { Confirmed = [Confirmed("a", Anchor(heads[4])), Confirmed("b", Anchor(heads[4])), Confirmed("a", Anchor(heads[6]))] };
        var stamps = services.GetRequiredService<TimestampStore>();
        foreach (var (size, tsa) in new[] { (6UL, "t1"), (8UL, "t1"), (8UL, "t2") })
            await stamps.SaveAsync(size, tsa, new StoredTimestamp(size, new TsaTimestamp(tsa, "sha256", Convert.ToBase64String([(byte)size])), "2026-11-27T00:00:00.000Z", "2026-11-27T00:00:00.000Z").ToJson());
        var bundles = Bundles(services, anchors);
        var head9 = await store.ReadHeadAsync();

        async Task<(string Size, int Anchors, string[] Tsas)> BundleOf(ulong leaf)
        {
            var bundle = JsonNode.Parse((await bundles.ForLeafAsync(leaf, head9, ReadAccess.Everything, default))!)!;
            return (bundle["treeSize"]!.GetValue<string>(), bundle["anchors"]!.AsArray().Count,
                [.. bundle["timestamps"]!.AsArray().Select(t => t!["tsa"]!.GetValue<string>())]);
        }
        // Size 4 has two chains but no TSA; 6 has both routes: both routes win over more chains.
        var leaf1 = await BundleOf(1); // Entry 0 registers acme's key.
        Assert.Equal(("6", 1), (leaf1.Size, leaf1.Anchors));
        Assert.Equal(["t1"], leaf1.Tsas);
        // Above 6 only TSAs sealed: the bundle names 8 with both tokens and no anchor.
        var leaf6 = await BundleOf(6);
        Assert.Equal(("8", 0), (leaf6.Size, leaf6.Anchors));
        Assert.Equal(["t1", "t2"], leaf6.Tsas);
        // Nothing sealed above 8: the latest checkpoint (10), with neither.
        var leaf8 = await BundleOf(8);
        Assert.Equal(("10", 0), (leaf8.Size, leaf8.Anchors));
        Assert.Empty(leaf8.Tsas);
    }

    private static ProofBundles Bundles(IServiceProvider services, ILogAnchors anchors) =>
        new(services.GetRequiredService<LogStore>(), services.GetRequiredService<NoteSigner>(), anchors,
            services.GetRequiredService<RecordedTimestamps>(), new FrozenTime(), services.GetRequiredService<Anchor.Grains.Anchoring.SealedLog>());

    private static ChainAnchor Anchor(LogHead head) => new("31337", "0x" + new string('1', 40), "0x" + new string('2', 64), head.Size.ToString(CultureInfo.InvariantCulture),
        head.RootHex, "0x" + new string('3', 64), "7", "0x" + new string('4', 64), "2026-11-27T00:00:00.000Z");

    private static StoredAnchor Confirmed(string chain, ChainAnchor anchor) =>
        new(StoredAnchor.NewId(ulong.Parse(anchor.TreeSize, CultureInfo.InvariantCulture)), chain, anchor, AnchorStates.Confirmed, null, "2026-11-27T00:00:00.000Z", null);

    private sealed class SettableAnchors : ILogAnchors
    {
        public IReadOnlyList<StoredAnchor> Confirmed { get; set; } = [];
        public Task<IReadOnlyList<StoredAnchor>> FinalAboveAsync(ulong leafIndex, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<StoredAnchor>>([.. Confirmed.Where(a => a.TreeSize > leafIndex)]);
        public Task<IReadOnlyList<StoredAnchor>> NewestAsync(int perChain, CancellationToken cancellationToken) => Task.FromResult(Confirmed);
    }

    private sealed class FrozenTime : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }
}
