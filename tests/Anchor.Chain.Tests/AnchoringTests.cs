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
}
