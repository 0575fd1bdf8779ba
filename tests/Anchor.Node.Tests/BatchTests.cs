using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class BatchTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task A_batch_of_1000_gives_receipts_in_order_and_proofs_that_carry_the_batch_path()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "batch.test/log", _state));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        using var provider = new TestProvider("batcher");
        await provider.RegisterAsync(node);

        // One single record first, so the batch does not start at index 0.
        Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);

        var records = Enumerable.Range(0, 1000).Select(i => TestProvider.NewEvidence("contract-b")).ToList();
        var request = provider.Batch(records);
        var (status, body) = await node.PostAsync("/v1/evidence/batch", request);
        Assert.True(status == 200, body.ToJsonString());
        // One receipt for the whole batch: its leaf hashes, in order after the key registration and the single, fold with one
        // range proof to the signed checkpoint of the commit.
        var receipt = BatchReceipt.FromJson(Assert.Single(body["receipts"]!.AsArray()));
        Assert.Equal(("2", "1000", "1002"), (receipt.FirstIndex, receipt.Count, receipt.TreeSize));
        var trusted = new VerifyOptions { Trust = TrustFile.ForLogKey(logKey) };
        var report = ReceiptVerifier.Verify(receipt, trusted);
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Name}: {c.Status} {c.Detail}")));
        // Another log key's trust file refuses it.
        using (var other = Core.Checkpoints.NoteSigner.Generate("batch.test/log"))
            Assert.Equal(VerificationOutcome.Invalid, ReceiptVerifier.Verify(receipt, new VerifyOptions { Trust = TrustFile.ForLogKey(other.VerifierKey.ToString()) }).Outcome);

        // The CLI checks the answer as the node gave it, and refuses it under a trust file of another log key.
        var answerFile = Path.Combine(_state, "batch-answer.json");
        await File.WriteAllTextAsync(answerFile, body.ToJsonString());
        var cli = await Anchor.Core.Tests.Cli.CliRunner.Run("receipt", "verify", answerFile, "--log-key", logKey);
        Assert.True(cli.Exit == 0, cli.Output + cli.Error);
        Assert.Contains("✓ range proof: leaves [2, 1002) of 1002", cli.Output, StringComparison.Ordinal);
        Assert.Equal(3, (await Anchor.Core.Tests.Cli.CliRunner.Run("receipt", "verify", answerFile)).Exit);

        // A retry of the whole batch writes nothing and proves the same leaves again.
        var (retryStatus, retry) = await node.PostAsync("/v1/evidence/batch", request);
        Assert.Equal(200, retryStatus);
        var again = BatchReceipt.FromJson(Assert.Single(retry["receipts"]!.AsArray()));
        Assert.Equal((receipt.FirstIndex, receipt.Count), (again.FirstIndex, again.Count));
        Assert.Equal(receipt.LeafHashes, again.LeafHashes);
        Assert.True(ReceiptVerifier.Verify(again, trusted).AllPassed);

        foreach (var i in new[] { 0, 1, 2, 255, 256, 511, 512, 777, 998, 999 })
        {
            var (proofStatus, bundle) = await node.GetAsync($"/v1/proofs/{2 + i}");
            Assert.Equal(200, proofStatus);
            Assert.Equal(receipt.LeafHashes[i], bundle["leafHash"]!.GetValue<string>());
            var batch = bundle["entry"]!["batch"]!;
            Assert.Equal(request["root"]!.GetValue<string>(), batch["root"]!.GetValue<string>());
            Assert.Equal("1000", batch["size"]!.GetValue<string>());
            Assert.Equal(i.ToString(), batch["index"]!.GetValue<string>());
            var shape = Core.Merkle.ProofShape.Inclusion((ulong)i, 1000);
            Assert.Equal(shape.Fold([.. shape.Nodes.Select(_ => new byte[32])]).Count, batch["path"]!.AsArray().Count);
            Assert.Equal(request["sig"]!.GetValue<string>(), bundle["entry"]!["sig"]!.GetValue<string>());
            Assert.Equal("1002", bundle["treeSize"]!.GetValue<string>());
            await Bundles.VerifyAsync(bundle, logKey);
        }

        var byContract = (await node.GetAsync("/v1/contracts/contract-b/proofs?provider=batcher", provider.ReadToken)).Body["bundles"]!.AsArray();
        Assert.Equal(1000, byContract.Count);
        Assert.Equal(256 * 32, (await node.Http.GetByteArrayAsync("/tile/0/002")).Length);
        Assert.Equal(234 * 32, (await node.Http.GetByteArrayAsync("/tile/0/003.p/234")).Length);
        Assert.Equal(3 * 32, (await node.Http.GetByteArrayAsync("/tile/1/000.p/3")).Length);
    }

    [Fact]
    public async Task A_batch_of_the_maximum_10000_records_is_sequenced_whole()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "batch-max.test/log", _state));
        using var provider = new TestProvider("bigbatch");
        await provider.RegisterAsync(node);
        var (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 10_000).Select(_ => TestProvider.NewEvidence())]));
        Assert.True(status == 200, body.ToJsonString());
        var receipt = BatchReceipt.FromJson(Assert.Single(body["receipts"]!.AsArray()));
        Assert.Equal(("1", "10000"), (receipt.FirstIndex, receipt.Count)); // Entry 0 is the key registration.
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        await Bundles.VerifyAsync((await node.GetAsync("/v1/proofs/6789")).Body, logKey);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
