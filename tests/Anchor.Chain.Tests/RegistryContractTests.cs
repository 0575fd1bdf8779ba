using Anchor.Chain.Registry;
using Nethereum.Contracts;
using Nethereum.Web3;
using Xunit.Abstractions;

namespace Anchor.Chain.Tests;

/// <summary>One anvil and one registry for the class; each test names its own log.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public Anvil Anvil { get; private set; } = null!;
    public AnchorRegistryClient Operator0 { get; private set; } = null!;
    public AnchorRegistryClient Operator1 { get; private set; } = null!;
    public AnchorRegistryClient Stranger { get; private set; } = null!;
    public string Registry => Operator0.Target.Registry!;

    public async Task InitializeAsync()
    {
        Anvil = await Anvil.StartAsync();
        Operator0 = await TestChains.DeployAsync(Anvil, DevAccounts.Key0);
        Operator1 = await AnchorRegistryClient.ConnectAsync(Operator0.Target, DevAccounts.Key1);
        Stranger = await AnchorRegistryClient.ConnectAsync(Operator0.Target, DevAccounts.Key2);
    }

    public async Task DisposeAsync()
    {
        Operator0.Dispose();
        Operator1.Dispose();
        Stranger.Dispose();
        await Anvil.DisposeAsync();
    }
}

public class RegistryContractTests(RegistryFixture chain, ITestOutputHelper output) : IClassFixture<RegistryFixture>
{
    private static string NewOrigin() => $"test.anchor/{Guid.NewGuid():N}";

    private static async Task<RegistryRevertedException> Reverts(Func<Task> action, string errorName)
    {
        var e = await Assert.ThrowsAsync<RegistryRevertedException>(action);
        Assert.Equal(errorName, e.ErrorName);
        Assert.Equal(ChainErrorCode.Reverted, e.Code);
        return e;
    }

    private static async Task AssertLatest(AnchorRegistryClient client, byte[] logId, ulong size, byte[] root)
    {
        var latest = await client.LatestAsync(logId);
        Assert.Equal(size, latest.TreeSize);
        Assert.Equal(root, latest.Root);
    }

    [Fact]
    public async Task RegisterLogEmitsLogRegisteredAndMakesTheCallerOperator()
    {
        var origin = NewOrigin();
        var mined = await chain.Operator1.RegisterLogAsync(origin);
        var receipt = await new Web3(chain.Anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.Hash);
        var registered = Assert.Single(receipt.DecodeAllEvents<LogRegisteredEvent>()).Event;
        Assert.Equal(LogId.For(origin), registered.LogId);
        Assert.Equal(DevAccounts.Address1, registered.Operator, ignoreCase: true);
        Assert.Equal(origin, registered.Origin);
        Assert.Equal(DevAccounts.Address1, await chain.Operator1.OperatorOfAsync(LogId.For(origin)), ignoreCase: true);
    }

    [Fact]
    public async Task RegisterLogRejectsAMismatchedLogIdAndAnExistingLog()
    {
        var origin = NewOrigin();
        await chain.Operator0.RegisterLogAsync(origin);
        var e = await Reverts(() => chain.Operator1.RegisterLogAsync(origin), "LogExists");
        Assert.Equal(LogId.For(origin), Assert.IsType<LogExistsError>(e.Error).LogId);

        // The client always derives logId from origin, so a mismatch needs a raw call with the typed message.
        var web3 = new Web3(new Nethereum.Web3.Accounts.Account(DevAccounts.Key0, chain.Anvil.ChainId), chain.Anvil.Url);
        var handler = web3.Eth.GetContractTransactionHandler<RegisterLogFunction>();
        var mismatch = new RegisterLogFunction { LogId = LogId.For("other"), Origin = NewOrigin() };
        var revert = await Assert.ThrowsAsync<SmartContractCustomErrorRevertException>(() => handler.EstimateGasAsync(chain.Registry, mismatch));
        Assert.True(revert.IsCustomErrorFor<LogIdMismatchError>());
        var decoded = revert.DecodeError<LogIdMismatchError>();
        Assert.Equal(LogId.For("other"), decoded.LogId);
        Assert.Equal(LogId.For(mismatch.Origin), decoded.Expected);
    }

    [Fact]
    public async Task AnchorRevertsForUnknownLogStrangerShrinkingSizeAndZeroRoot()
    {
        var origin = NewOrigin();
        var logId = LogId.For(origin);
        await Reverts(() => chain.Operator0.AnchorAsync(logId, 1, TestChains.Root(1)), "UnknownLog");
        await chain.Operator0.RegisterLogAsync(origin);
        var notOperator = await Reverts(() => chain.Stranger.AnchorAsync(logId, 1, TestChains.Root(1)), "NotOperator");
        Assert.Equal(DevAccounts.Address2, Assert.IsType<NotOperatorError>(notOperator.Error).Caller, ignoreCase: true);
        await Reverts(() => chain.Operator0.AnchorAsync(logId, 0, TestChains.Root(1)), "SizeNotIncreasing");
        await Reverts(() => chain.Operator0.AnchorAsync(logId, 5, new byte[32]), "ZeroRoot");
        await chain.Operator0.AnchorAsync(logId, 5, TestChains.Root(5));
        var same = await Reverts(() => chain.Operator0.AnchorAsync(logId, 5, TestChains.Root(6)), "SizeNotIncreasing");
        var error = Assert.IsType<SizeNotIncreasingError>(same.Error);
        Assert.Equal((5UL, 5UL), (error.Last, error.Given));
        Assert.Contains("SizeNotIncreasing(last=5, given=5)", same.Message);
        var smaller = await Reverts(() => chain.Operator0.AnchorAsync(logId, 4, TestChains.Root(4)), "SizeNotIncreasing");
        Assert.Equal(4UL, Assert.IsType<SizeNotIncreasingError>(smaller.Error).Given);
    }

    [Fact]
    public async Task AnchoredEventRootAtAndLatest()
    {
        var origin = NewOrigin();
        var logId = LogId.For(origin);
        await chain.Operator0.RegisterLogAsync(origin);
        await AssertLatest(chain.Operator0, logId, 0UL, new byte[32]);
        Assert.Null(await chain.Operator0.LookupAsync(logId, 3));

        var first = await chain.Operator0.AnchorAsync(logId, 3, TestChains.Root(3));
        var second = await chain.Operator0.AnchorAsync(logId, 10, TestChains.Root(10));

        var receipt = await new Web3(chain.Anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(second.Hash);
        var anchored = Assert.Single(receipt.DecodeAllEvents<AnchoredEvent>()).Event;
        Assert.Equal(logId, anchored.LogId);
        Assert.Equal(10UL, anchored.TreeSize);
        Assert.Equal(TestChains.Root(10), anchored.Root);

        Assert.Equal(TestChains.Root(3), await chain.Operator0.RootAtAsync(logId, 3));
        Assert.Equal(TestChains.Root(10), await chain.Operator0.RootAtAsync(logId, 10));
        Assert.Equal(new byte[32], await chain.Operator0.RootAtAsync(logId, 4));
        await AssertLatest(chain.Operator0, logId, 10UL, TestChains.Root(10));

        var record = await chain.Stranger.LookupAsync(logId, 3);
        Assert.NotNull(record);
        Assert.Equal(first.Hash, record.TxHash);
        Assert.Equal(first.BlockHash, record.BlockHash);
        Assert.Equal(first.BlockNumber, record.BlockNumber);
        Assert.Equal(Convert.ToHexStringLower(TestChains.Root(3)), record.Root);
        Assert.Equal(LogId.Hex(origin), record.LogId);
        Assert.Equal(chain.Anvil.ChainId, record.ChainId);
        Assert.True(record.BlockTime > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(record, await chain.Stranger.LookupTransactionAsync(first.Hash) with { Confirmations = record.Confirmations });
    }

    [Fact]
    public async Task TransferOperatorHandsTheLogOver()
    {
        var origin = NewOrigin();
        var logId = LogId.For(origin);
        await Reverts(() => chain.Operator0.TransferOperatorAsync(logId, DevAccounts.Address1), "UnknownLog");
        await chain.Operator0.RegisterLogAsync(origin);
        await Reverts(() => chain.Stranger.TransferOperatorAsync(logId, DevAccounts.Address2), "NotOperator");
        await Reverts(() => chain.Operator0.TransferOperatorAsync(logId, "0x0000000000000000000000000000000000000000"), "ZeroOperator");
        await chain.Operator0.AnchorAsync(logId, 1, TestChains.Root(1));

        var mined = await chain.Operator0.TransferOperatorAsync(logId, DevAccounts.Address1);
        var receipt = await new Web3(chain.Anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.Hash);
        var transferred = Assert.Single(receipt.DecodeAllEvents<OperatorTransferredEvent>()).Event;
        Assert.Equal(DevAccounts.Address0, transferred.Previous, ignoreCase: true);
        Assert.Equal(DevAccounts.Address1, transferred.Next, ignoreCase: true);

        await Reverts(() => chain.Operator0.AnchorAsync(logId, 2, TestChains.Root(2)), "NotOperator");
        await chain.Operator1.AnchorAsync(logId, 2, TestChains.Root(2));
        await AssertLatest(chain.Operator0, logId, 2UL, TestChains.Root(2));
    }

    [Fact]
    public async Task TwoLogsWithDifferentOperatorsShareOneRegistry()
    {
        string a = NewOrigin(), b = NewOrigin();
        await chain.Operator0.RegisterLogAsync(a);
        await chain.Operator1.RegisterLogAsync(b);
        await chain.Operator0.AnchorAsync(LogId.For(a), 7, TestChains.Root(7));
        await chain.Operator1.AnchorAsync(LogId.For(b), 3, TestChains.Root(30));
        await Reverts(() => chain.Operator1.AnchorAsync(LogId.For(a), 8, TestChains.Root(8)), "NotOperator");
        await Reverts(() => chain.Operator0.AnchorAsync(LogId.For(b), 4, TestChains.Root(4)), "NotOperator");
        await AssertLatest(chain.Stranger, LogId.For(a), 7UL, TestChains.Root(7));
        await AssertLatest(chain.Stranger, LogId.For(b), 3UL, TestChains.Root(30));
        Assert.Equal(new byte[32], await chain.Stranger.RootAtAsync(LogId.For(a), 3));
    }

    /// <summary>An anchor costs at most 60,000 gas whatever the size: the first of a log and later ones.</summary>
    [Fact]
    public async Task AnchorGasIsBoundedWhateverTheTreeSize()
    {
        var origin = NewOrigin();
        var logId = LogId.For(origin);
        await chain.Operator0.RegisterLogAsync(origin);
        var sizes = new ulong[] { 1, 2, 1_000_000, 1UL << 40, ulong.MaxValue };
        foreach (var size in sizes)
        {
            var mined = await chain.Operator0.AnchorAsync(logId, size, TestChains.Root((byte)size));
            var label = size == 1 ? "first anchor" : "later anchor";
            output.WriteLine($"anchor gas: {label}, treeSize {size}: {mined.GasUsed}");
            Console.WriteLine($"anchor gas: {label}, treeSize {size}: {mined.GasUsed}");
            Assert.True(mined.GasUsed <= 60_000, $"{label} (size {size}) used {mined.GasUsed} gas");
        }
    }
}
