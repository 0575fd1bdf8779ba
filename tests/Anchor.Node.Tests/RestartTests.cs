using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class RestartTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task After_a_restart_the_log_continues_without_a_gap_and_the_checkpoints_are_consistent()
    {
        var args = TestNode.Args(redis.Connection, "restart.test/log", _state);
        using var provider = new TestProvider("restarter");
        string logKey, before;
        await using (var node = await TestNode.StartAsync(args))
        {
            await provider.RegisterAsync(node);
            logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
            for (var i = 0; i < 7; i++)
                Assert.Equal((i + 1).ToString(), (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Body["leafIndex"]!.GetValue<string>());
            // Past the first full tile, so the restart reloads its compact range across tile levels.
            var (batchStatus, batch) = await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 290).Select(_ => TestProvider.NewEvidence())]));
            Assert.True(batchStatus == 200, batch.ToJsonString());
            before = await node.Http.GetStringAsync("/checkpoint");
        }

        await using (var node = await TestNode.StartAsync(args))
        {
            // Same state folder: same log key; the provider registration survived in grain storage.
            Assert.Equal(logKey, (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>());
            Assert.Equal(before, await node.Http.GetStringAsync("/checkpoint"));
            var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
            Assert.True(status == 200, body.ToJsonString());
            Assert.Equal("298", body["leafIndex"]!.GetValue<string>());
            (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 2).Select(_ => TestProvider.NewEvidence())]));
            Assert.True(status == 200, body.ToJsonString());
            var receipt = Assert.Single(body["receipts"]!.AsArray())!;
            Assert.Equal(("299", "2"), (receipt["firstIndex"]!.GetValue<string>(), receipt["count"]!.GetValue<string>()));
            var after = await node.Http.GetStringAsync("/checkpoint");

            var key = VerifierKey.Parse(logKey);
            var old = Checkpoint.Verify(before, key);
            var now = Checkpoint.Verify(after, key);
            Assert.Equal(298UL, old.Size);
            Assert.Equal(301UL, now.Size);
            var proof = (await node.GetAsync($"/v1/consistency?from={old.Size}&to={now.Size}")).Body["proof"]!.AsArray()
                .Select(h => Hex.Decode(h!.GetValue<string>())).ToList();
            ProofVerifier.VerifyConsistency(old.Size, now.Size, proof, old.Root, now.Root);

            await Bundles.VerifyAsync((await node.GetAsync("/v1/proofs/3")).Body, logKey);
            await Bundles.VerifyAsync((await node.GetAsync("/v1/proofs/300")).Body, logKey);
        }
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
