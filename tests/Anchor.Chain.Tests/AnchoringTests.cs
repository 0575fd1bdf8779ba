using System.Text.Json;
using System.Numerics;
using Nethereum.Web3;
using Xunit.Abstractions;

namespace Anchor.Chain.Tests;

/// <summary>The client's transaction lifecycle against a real anvil: confirmations, replacement, reorgs.</summary>
public class AnchoringTests(ITestOutputHelper output)
{
    private sealed class Collect<T>
    {
        private readonly List<T> items = [];
        public Task AddAsync(T value) { lock (items) items.Add(value); return Task.CompletedTask; }
        public IReadOnlyList<T> Items { get { lock (items) return [.. items]; } }
    }

    private static async Task<(AnchorRegistryClient Client, byte[] LogId)> RegisteredAsync(Anvil anvil, Func<ChainTarget, ChainTarget>? tune = null)
    {
        using var deployed = await TestChains.DeployAsync(anvil);
        var client = await AnchorRegistryClient.ConnectAsync((tune ?? (t => t))(deployed.Target), DevAccounts.Key0);
        var origin = "anchoring.test/" + Guid.NewGuid().ToString("N");
        await client.RegisterLogAsync(origin, TestChains.Commitment(origin));
        return (client, client.OwnLogId(origin));
    }

    private static async Task Eventually(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("timed out waiting until " + what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task AnchorReturnsOnlyAfterTheConfiguredConfirmations()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil, t => t with { Confirmations = 3 });
        using var _ = client;

        var anchoring = client.AnchorAsync(logId, 1, TestChains.Root(1));
        await Task.Delay(500);
        Assert.False(anchoring.IsCompleted, "returned with one confirmation of three");
        await anvil.MineAsync();
        await Task.Delay(200);
        Assert.False(anchoring.IsCompleted, "returned with two confirmations of three");
        await anvil.MineAsync();
        var mined = await anchoring.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(mined.BlockNumber + 2, await anvil.BlockNumberAsync());
        var status = await client.CheckMinedAsync(mined);
        Assert.Equal((MinedState.Canonical, 3UL), (status.State, status.Confirmations));
        var receipt = await new Web3(anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.Hash);
        Assert.Equal(2, (int)receipt.Type.Value); // EIP-1559
    }

    [Fact]
    public async Task StuckTransactionIsReplacedWithTheSameNonceAndHigherFees()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil, t => t with { StuckAfter = TimeSpan.FromMilliseconds(300) });
        using var _ = client;
        await anvil.RpcAsync("evm_setAutomine", false);

        var sent = await client.SubmitAnchorAsync(logId, 1, TestChains.Root(1));
        // One transaction in flight per account, whoever asks.
        var inFlight = await Assert.ThrowsAsync<TransactionInFlightException>(() => client.SubmitAnchorAsync(logId, 2, TestChains.Root(2)));
        Assert.Equal(sent.Nonce, inFlight.MinedNonce);

        var replaced = new Collect<SentTransaction>();
        var waiting = client.WaitForMinedAsync(sent, replaced.AddAsync);
        await Eventually(() => replaced.Items.Count >= 1, "the stuck transaction is replaced");
        // The replacement is handed over before it is sent (so it can be recorded first): mine once anvil has it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await anvil.RpcAsync("eth_getTransactionByHash", replaced.Items[0].Hash)).ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the replacement never reached anvil");
            await Task.Delay(20);
        }
        await anvil.MineAsync();
        var mined = await waiting.WaitAsync(TimeSpan.FromSeconds(15));

        var replacement = Assert.Single(replaced.Items, r => r.Hash == mined.Hash);
        Assert.NotEqual(sent.Hash, mined.Hash);
        Assert.Equal(sent.Nonce, mined.Nonce);
        Assert.Contains(sent.Hash, replacement.Hashes);

        var eth = new Web3(anvil.Url).Eth;
        var tx = await eth.Transactions.GetTransactionByHash.SendRequestAsync(mined.Hash);
        Assert.Equal(new BigInteger(sent.Nonce), tx.Nonce.Value);
        Assert.True(tx.MaxFeePerGas.Value * 10 >= sent.MaxFeePerGas * 11, "maxFeePerGas bumped by at least 10%");
        Assert.True(tx.MaxPriorityFeePerGas.Value * 10 >= sent.MaxPriorityFeePerGas * 11, "maxPriorityFeePerGas bumped by at least 10%");
        Assert.Null(await eth.Transactions.GetTransactionReceipt.SendRequestAsync(sent.Hash));
        Assert.Equal(TestChains.Root(1), await client.RootAtAsync(logId, 1));
    }

    /// <summary>anvil_reorg replaces the newest blocks: the anchor's receipt disappears and its height gets another hash.</summary>
    [Fact]
    public async Task ReorgThatDropsAMinedAnchorIsDetected_AnvilReorg()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        var mined = await client.AnchorAsync(logId, 1, TestChains.Root(1));
        Assert.Equal(MinedState.Canonical, (await client.CheckMinedAsync(mined)).State);

        await anvil.RpcAsync("anvil_reorg", 1, Array.Empty<object>()); // (depth, transactions to put in the new blocks)

        var status = await client.CheckMinedAsync(mined);
        output.WriteLine($"after the reorg: {status.Detail}");
        Assert.Equal(MinedState.Reorged, status.State);
        var e = await Assert.ThrowsAsync<TransactionReorgedException>(() => client.WaitForFinalityAsync(mined));
        Assert.Equal(ChainErrorCode.Reorged, e.Code);
        Assert.Equal(new byte[32], await client.RootAtAsync(logId, 1));
    }

    /// <summary>The same with evm_snapshot / evm_revert and a new block at the anchor's height.</summary>
    [Fact]
    public async Task ReorgThatDropsAMinedAnchorIsDetected_SnapshotRevert()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        var snapshot = await anvil.RpcAsync("evm_snapshot");
        var mined = await client.AnchorAsync(logId, 1, TestChains.Root(1));

        Assert.True((await anvil.RpcAsync("evm_revert", snapshot.GetString()!)).GetBoolean());
        await anvil.MineAsync();
        Assert.Equal(mined.BlockNumber, await anvil.BlockNumberAsync());

        var status = await client.CheckMinedAsync(mined);
        output.WriteLine($"after the reorg: {status.Detail}");
        Assert.Equal(MinedState.Reorged, status.State);
        await Assert.ThrowsAsync<TransactionReorgedException>(() => client.WaitForFinalityAsync(mined));
        Assert.Null(await client.LookupAsync(logId, 1));
    }

    /// <summary>
    /// Two anchors of one account race (two senders with the key, or a stale nonce from a load-balanced RPC): the larger
    /// one is mined first, and ours, mined after it, reverts. The receipt says only "status 0"; the reason comes from
    /// replaying the call on the state the block left, decoded to the registry's custom error.
    /// </summary>
    [Fact]
    public async Task RevertedAnchorCarriesItsDecodedReason_SizeNotIncreasing()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        await anvil.RpcAsync("evm_setAutomine", false);
        var larger = await client.SubmitAnchorAsync(logId, 20, TestChains.Root(20));
        // The second sender signs the next nonce itself (our client refuses while one is in flight): anchor(10), gas given.
        var ours = await TestChains.SignRawAsync(anvil, client.Target.Registry!, larger.Nonce + 1, TestChains.AnchorCall(logId, 10, TestChains.Root(10)));
        await client.BroadcastAsync(ours);
        await anvil.MineAsync();

        var e = await Assert.ThrowsAsync<TransactionRevertedException>(() => client.WaitForMinedAsync(ours));
        output.WriteLine(e.Message);
        Assert.Equal(("SizeNotIncreasing", ours.Hash), (e.Reason, e.TransactionHash));
        var error = Assert.IsType<Registry.SizeNotIncreasingError>(e.Error);
        Assert.Equal((20UL, 10UL), (error.Last, error.Given));
        Assert.Equal(ChainErrorCode.Reverted, e.Code);
        Assert.Equal(TestChains.Root(20), await client.RootAtAsync(logId, 20));
    }

    /// <summary>Too little gas (an L2's misestimate, here given on purpose): mined, status 0, every unit used: OutOfGas.</summary>
    [Fact]
    public async Task RevertedAnchorCarriesItsDecodedReason_OutOfGas()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        var signed = await client.PrepareAnchorAsync(logId, 1, TestChains.Root(1), gas: 30_000);
        await client.BroadcastAsync(signed);
        var e = await Assert.ThrowsAsync<TransactionRevertedException>(() => client.WaitForMinedAsync(signed));
        output.WriteLine(e.Message);
        Assert.Equal("OutOfGas", e.Reason);
        var receipt = await new Web3(anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(signed.Hash);
        Assert.Equal(0, (int)receipt.Status.Value);
        Assert.Equal(new byte[32], await client.RootAtAsync(logId, 1));
    }

    /// <summary>
    /// Signed and recorded, never sent (a crash between the two): the hash is known before anything reaches the chain, and
    /// waiting for it sends the recorded bytes, which are mined under that very hash.
    /// </summary>
    [Fact]
    public async Task SignedButNeverSentTransactionIsSentFromItsRecordedBytes()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        var signed = await client.PrepareAnchorAsync(logId, 1, TestChains.Root(1));
        Assert.StartsWith("0x02", signed.Raw); // EIP-1559 envelope
        Assert.Equal(JsonValueKind.Null, (await anvil.RpcAsync("eth_getTransactionByHash", signed.Hash)).ValueKind);
        // A restarted process has only the record: a new client, the same bytes.
        using var restarted = await AnchorRegistryClient.ConnectAsync(client.Target, DevAccounts.Key0);
        var mined = await restarted.WaitForMinedAsync(signed).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(signed.Hash, mined.Hash);
        Assert.Equal(TestChains.Root(1), await client.RootAtAsync(logId, 1));
        // Sent twice (a retry after a lost answer): the same bytes are "already known", never a second anchor.
        await restarted.BroadcastAsync(signed);
    }

    /// <summary>Finality by the chain's "finalized" tag: anvil with one slot per epoch finalizes two blocks behind its head.</summary>
    [Fact]
    public async Task FinalityFollowsTheFinalizedTag()
    {
        await using var anvil = await Anvil.StartAsync(31337, "--slots-in-an-epoch", "1");
        var (client, logId) = await RegisteredAsync(anvil, t => t with { Finality = FinalityRule.FinalizedTag, Confirmations = 1 });
        using var _ = client;
        var mined = await client.WaitForMinedAsync(await client.SubmitAnchorAsync(logId, 1, TestChains.Root(1)));
        var status = await client.CheckMinedAsync(mined);
        Assert.Equal((MinedState.Canonical, 1UL, false), (status.State, status.Confirmations, status.Final)); // one confirmation is not final here
        var finality = client.WaitForFinalityAsync(mined);
        await Task.Delay(300);
        Assert.False(finality.IsCompleted);
        while (Convert.ToUInt64((await anvil.RpcAsync("eth_getBlockByNumber", "finalized", false)).GetProperty("number").GetString(), 16) < mined.BlockNumber)
            await anvil.MineAsync();
        var final = await finality.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(final.Final);
        Assert.True(final.Confirmations >= 3, $"final with {final.Confirmations} confirmations");
        // Auto finds the tag on its own; Confirmations ignores it.
        using var auto = await AnchorRegistryClient.ConnectAsync(client.Target with { Finality = FinalityRule.Auto }, DevAccounts.Key0);
        Assert.NotNull(await auto.FinalizedBlockAsync());
        using var byCount = await AnchorRegistryClient.ConnectAsync(client.Target with { Finality = FinalityRule.Confirmations }, DevAccounts.Key0);
        Assert.Null(await byCount.FinalizedBlockAsync());
    }

    /// <summary>
    /// Anchored events are searched from FromBlock up, in ranges of LogRange blocks, newest first: every eth_getLogs
    /// request seen on the wire spans at most LogRange blocks and none starts below FromBlock.
    /// </summary>
    [Fact]
    public async Task LookupSearchesBoundedRangesFromTheFromBlock()
    {
        await using var anvil = await Anvil.StartAsync();
        var (client, logId) = await RegisteredAsync(anvil);
        using var _ = client;
        var from = await anvil.BlockNumberAsync();
        await client.AnchorAsync(logId, 1, TestChains.Root(1));
        await anvil.RpcAsync("anvil_mine", "0x40"); // 64 blocks above the anchor
        await using var proxy = await RecordingProxy.StartAsync(anvil.Url);
        using var reader = await AnchorRegistryClient.ConnectAsync(client.Target with { RpcUrl = proxy.Url, FromBlock = from, LogRange = 10 });
        var found = await reader.LookupAsync(logId, 1);
        Assert.NotNull(found);
        var ranges = proxy.Requests.Where(r => r["method"]!.GetValue<string>() == "eth_getLogs")
            .Select(r => r["params"]![0]!).Select(p => (From: Convert.ToUInt64(p["fromBlock"]!.GetValue<string>(), 16), To: Convert.ToUInt64(p["toBlock"]!.GetValue<string>(), 16))).ToList();
        output.WriteLine(string.Join(", ", ranges));
        Assert.True(ranges.Count >= 6, $"{ranges.Count} requests for 65 blocks in ranges of 10");
        Assert.All(ranges, r => Assert.True(r.To - r.From + 1 <= 10 && r.From >= from, $"range {r.From}..{r.To}"));
        // Above the anchor's block, the search does not find it: it never looks below FromBlock.
        using var late = await AnchorRegistryClient.ConnectAsync(client.Target with { FromBlock = found!.BlockNumber + 1, LogRange = 10 });
        await Assert.ThrowsAsync<ChainException>(() => late.LookupAsync(logId, 1));
    }
}
