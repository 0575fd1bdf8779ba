using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Node.Api;
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
        var bundles = new ProofBundles(store, services.GetRequiredService<NoteSigner>(), anchors, new FrozenTime());
        var remembered = await bundles.HeadForAsync(1);
        Assert.Equal(4UL, remembered.Size);

        // The log grows to 9 and a chain confirms an anchor of size 9 before the remembered head is read again.
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
        var current = await store.ReadHeadAsync();
        Assert.Equal(9UL, current.Size);
        var anchor = new ChainAnchor("31337", "0x" + new string('1', 40), "0x" + new string('2', 64), "9", current.RootHex,
            "0x" + new string('3', 64), "7", "0x" + new string('4', 64), "2026-11-27T00:00:00Z");
        anchors.Tree = new AnchoredTree(9, current.Checkpoint!, [anchor]);
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

    private sealed class SettableAnchors : ILogAnchors
    {
        public AnchoredTree? Tree { get; set; }
        public Task<IReadOnlyList<Anchor.Grains.Anchoring.StoredAnchor>> ListAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Anchor.Grains.Anchoring.StoredAnchor>>([]);
        public Task<AnchoredTree?> ForLeafAsync(ulong leafIndex, CancellationToken cancellationToken) =>
            Task.FromResult(Tree is { } t && leafIndex < t.Size ? t : null);
    }

    private sealed class FrozenTime : TimeProvider
    {
        public override long GetTimestamp() => 0;
    }
}
