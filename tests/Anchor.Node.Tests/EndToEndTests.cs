using Anchor.Core.Verification;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class EndToEndTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Every_algorithm_submits_and_its_bundles_verify_offline()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "e2e.test/log", _state));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        var providers = SignatureAlgs.All.Select(alg => new TestProvider("p-" + SignatureAlgs.ToWire(alg), alg)).ToList();
        foreach (var p in providers) await p.RegisterAsync(node);

        var submitted = new List<(TestProvider Provider, Evidence Evidence, JsonObject Answer)>();
        foreach (var p in providers)
        {
            var evidence = TestProvider.NewEvidence("contract-" + p.Id);
            var (status, answer) = await node.PostAsync("/v1/evidence?wait=checkpoint", p.Single(evidence));
            Assert.True(status == 200, $"{p.Id}: {status} {answer.ToJsonString()}");
            // The bundle at the first checkpoint that holds the entry verifies already.
            await Bundles.VerifyAsync(answer["bundle"], logKey);
            submitted.Add((p, evidence, answer));
        }

        // Each registration put its key into the log first (entries 0 … n-1); the records follow.
        var indices = submitted.Select(s => ulong.Parse(s.Answer["leafIndex"]!.GetValue<string>())).ToList();
        Assert.Equal(Enumerable.Range(providers.Count, providers.Count).Select(i => (ulong)i), indices.Order());
        var size = 2 * providers.Count;

        foreach (var (p, evidence, answer) in submitted)
        {
            // The receipt is the proof: the entry's leaf folds to the signed checkpoint of the commit that wrote it.
            var receipt = Receipt.FromJson(answer["receipt"]);
            var checkedReceipt = ReceiptVerifier.Verify(receipt, new VerifyOptions { Trust = TrustFile.ForLogKey(logKey) }, LogEntry.FromJson(answer["entry"]));
            Assert.True(checkedReceipt.AllPassed, string.Join("\n", checkedReceipt.Checks.Select(c => $"{c.Name}: {c.Status} {c.Detail}")));
            Assert.Equal(answer["leafHash"]!.GetValue<string>(), receipt.LeafHash);

            var (status, bundle) = await node.GetAsync($"/v1/proofs/{receipt.LeafIndex}");
            Assert.Equal(200, status);
            Assert.Equal(size.ToString(), bundle["treeSize"]!.GetValue<string>());
            Assert.Empty(bundle["anchors"]!.AsArray());
            Assert.True(ulong.Parse(bundle["keyEntry"]!["leafIndex"]!.GetValue<string>()) < (ulong)providers.Count);
            Assert.Equal(p.Id, bundle["keyEntry"]!["entry"]!["provider"]!.GetValue<string>());
            await Bundles.VerifyAsync(bundle, logKey);

            var byHash = (await node.GetAsync($"/v1/proofs?hash={evidence.Hash}")).Body["bundles"]!.AsArray();
            Assert.Single(byHash);
            await Bundles.VerifyAsync(byHash[0], logKey);

            var (contractStatus, byContract) = await node.GetAsync($"/v1/contracts/contract-{p.Id}/proofs?provider={p.Id}", p.ReadToken);
            Assert.Equal(200, contractStatus);
            Assert.Equal(receipt.LeafIndex, byContract["bundles"]![0]!["leafIndex"]!.GetValue<string>());
        }

        // The checkpoint and the public tiles agree with the receipts.
        var note = await node.Http.GetStringAsync("/checkpoint");
        var checkpoint = Checkpoint.Verify(note, VerifierKey.Parse(logKey));
        Assert.Equal((ulong)size, checkpoint.Size);
        var tile = await node.Http.GetByteArrayAsync($"/tile/0/000.p/{size}");
        Assert.Equal(size * 32, tile.Length);
        var leafHashes = submitted.OrderBy(s => ulong.Parse(s.Answer["leafIndex"]!.GetValue<string>()))
            .Select(s => Hex.Decode(s.Answer["leafHash"]!.GetValue<string>())).ToList();
        Assert.Equal(leafHashes.SelectMany(h => h), tile[(providers.Count * 32)..]);
        Assert.Equal(checkpoint.Root, TreeHasher.Root([.. tile.Chunk(32)]));
        Assert.Equal(404, (int)(await node.Http.GetAsync("/tile/0/000")).StatusCode); // Not full yet.
        Assert.Equal(404, (int)(await node.Http.GetAsync("/tile/entries/000.p/1")).StatusCode); // Entries are private.

        var (apiStatus, api) = await node.GetAsync("/openapi/v1.json");
        Assert.Equal(200, apiStatus);
        Assert.NotNull(api["paths"]!["/v1/evidence"]);
        Assert.Equal(200, (int)(await node.Http.GetAsync("/scalar")).StatusCode);
        Assert.Equal("ok", (await node.HealthAsync()).Body["status"]!.GetValue<string>());

        // The secrets were generated into the state folder, readable by the owner only.
        foreach (var file in new[] { NodeState.LogKeyFile, NodeState.AdminTokenFile })
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_state, file)));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
