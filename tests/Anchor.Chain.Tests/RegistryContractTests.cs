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

    /// <summary>Registers <paramref name="origin"/> with <paramref name="client"/>'s account and a test commitment; returns the log ID.</summary>
    private static async Task<byte[]> RegisterAsync(AnchorRegistryClient client, string origin)
    {
        await client.RegisterLogAsync(origin, TestChains.Commitment(origin));
        return client.OwnLogId(origin);
    }

    [Fact]
    public async Task RegisterLogEmitsLogRegisteredWithTheKeyCommitmentAndMakesTheCallerOperator()
    {
        var origin = NewOrigin();
        var commitment = TestChains.Commitment(origin);
        var mined = await chain.Operator1.RegisterLogAsync(origin, commitment);
        var receipt = await new Web3(chain.Anvil.Url).Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.Hash);
        var registered = Assert.Single(receipt.DecodeAllEvents<LogRegisteredEvent>()).Event;
        var logId = LogId.For(DevAccounts.Address1, origin);
        Assert.Equal(logId, registered.LogId);
        Assert.Equal(DevAccounts.Address1, registered.Operator, ignoreCase: true);
        Assert.Equal(origin, registered.Origin);
        Assert.Equal(commitment, registered.KeyCommitment);
        Assert.Equal(DevAccounts.Address1, await chain.Stranger.OperatorOfAsync(logId), ignoreCase: true);
        Assert.Equal(commitment, await chain.Stranger.KeyCommitmentOfAsync(logId));
        Assert.Equal(new byte[32], await chain.Stranger.KeyCommitmentOfAsync(LogId.For(DevAccounts.Address2, origin)));
    }

    /// <summary>
    /// Core's RegistryLog.Id, the contract's logIdOf (solc's keccak256 and abi.encode) and the ID registerLog gives agree,
    /// for ASCII, empty and multi-byte UTF-8 origins.
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("anchor.example.com/log")]
    [InlineData("证据.example/日志")]
    public async Task LogIdIsTheRegistrantsNamespaceAsTheContractComputesIt(string origin)
    {
        foreach (var registrant in new[] { DevAccounts.Address0, DevAccounts.Address1, "0x000000000000000000000000000000000000dEaD" })
            Assert.Equal(await chain.Stranger.LogIdOfAsync(registrant, origin), LogId.For(registrant, origin));
        Assert.NotEqual(LogId.For(DevAccounts.Address0, origin), LogId.For(DevAccounts.Address1, origin));
    }

    [Fact]
    public async Task RegisterLogRejectsAZeroCommitmentAndTheSameAccountTwice()
    {
        var origin = NewOrigin();
        await Reverts(() => chain.Operator0.RegisterLogAsync(origin, new byte[32]), "ZeroKeyCommitment");
        var logId = await RegisterAsync(chain.Operator0, origin);
        var e = await Reverts(() => chain.Operator0.RegisterLogAsync(origin, TestChains.Commitment("another key")), "LogExists");
        Assert.Equal(logId, Assert.IsType<LogExistsError>(e.Error).LogId);
        Assert.Equal(TestChains.Commitment(origin), await chain.Stranger.KeyCommitmentOfAsync(logId)); // set once
    }

    /// <summary>
    /// A squatter registers the node's origin first, even with the node's own key commitment: it gets its own log ID, the
    /// node still registers and anchors its own, and the squatter can neither anchor into nor take over the node's.
    /// </summary>
    [Fact]
    public async Task ASquatterWhoRegistersTheOriginFirstTakesNothing()
    {
        var origin = NewOrigin();
        var nodeCommitment = TestChains.Commitment(origin);
        var squatter = chain.Operator1;
        await squatter.RegisterLogAsync(origin, nodeCommitment);
        var squatted = squatter.OwnLogId(origin);

        await chain.Operator0.RegisterLogAsync(origin, nodeCommitment);
        var own = chain.Operator0.OwnLogId(origin);
        Assert.NotEqual(squatted, own);
        Assert.Equal(DevAccounts.Address0, await chain.Stranger.OperatorOfAsync(own), ignoreCase: true);
        Assert.Equal(DevAccounts.Address1, await chain.Stranger.OperatorOfAsync(squatted), ignoreCase: true);

        await chain.Operator0.AnchorAsync(own, 3, TestChains.Root(3));
        var refused = await Reverts(() => squatter.AnchorAsync(own, 4, TestChains.Root(44)), "NotOperator");
        Assert.Equal(DevAccounts.Address1, Assert.IsType<NotOperatorError>(refused.Error).Caller, ignoreCase: true);
        await Reverts(() => squatter.TransferOperatorAsync(own, DevAccounts.Address1), "NotOperator");
        await squatter.AnchorAsync(squatted, 4, TestChains.Root(44)); // into its own log only
        await AssertLatest(chain.Stranger, own, 3UL, TestChains.Root(3));
        Assert.Equal(new byte[32], await chain.Stranger.RootAtAsync(own, 4));
    }

    [Fact]
    public async Task AnchorRevertsForUnknownLogStrangerShrinkingSizeAndZeroRoot()
    {
        var origin = NewOrigin();
        var logId = chain.Operator0.OwnLogId(origin);
        await Reverts(() => chain.Operator0.AnchorAsync(logId, 1, TestChains.Root(1)), "UnknownLog");
        await RegisterAsync(chain.Operator0, origin);
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
        var logId = await RegisterAsync(chain.Operator0, origin);
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
        Assert.Equal(LogId.Hex(DevAccounts.Address0, origin), record.LogId);
        Assert.Equal(chain.Anvil.ChainId, record.ChainId);
        Assert.True(record.BlockTime > DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(record, await chain.Stranger.LookupTransactionAsync(first.Hash) with { Confirmations = record.Confirmations });
    }

    [Fact]
    public async Task TransferOperatorHandsTheLogOver()
    {
        var origin = NewOrigin();
        var logId = chain.Operator0.OwnLogId(origin);
        await Reverts(() => chain.Operator0.TransferOperatorAsync(logId, DevAccounts.Address1), "UnknownLog");
        await RegisterAsync(chain.Operator0, origin);
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
        // The ID and the key commitment stay with the log; the new operator's own namespace is untouched.
        Assert.Equal(TestChains.Commitment(origin), await chain.Stranger.KeyCommitmentOfAsync(logId));
        Assert.Equal("0x0000000000000000000000000000000000000000", await chain.Stranger.OperatorOfAsync(chain.Operator1.OwnLogId(origin)));
    }

    [Fact]
    public async Task TwoLogsWithDifferentOperatorsShareOneRegistry()
    {
        var a = await RegisterAsync(chain.Operator0, NewOrigin());
        var b = await RegisterAsync(chain.Operator1, NewOrigin());
        await chain.Operator0.AnchorAsync(a, 7, TestChains.Root(7));
        await chain.Operator1.AnchorAsync(b, 3, TestChains.Root(30));
        await Reverts(() => chain.Operator1.AnchorAsync(a, 8, TestChains.Root(8)), "NotOperator");
        await Reverts(() => chain.Operator0.AnchorAsync(b, 4, TestChains.Root(4)), "NotOperator");
        await AssertLatest(chain.Stranger, a, 7UL, TestChains.Root(7));
        await AssertLatest(chain.Stranger, b, 3UL, TestChains.Root(30));
        Assert.Equal(new byte[32], await chain.Stranger.RootAtAsync(a, 3));
    }

    /// <summary>An anchor costs at most 60,000 gas whatever the size: the first of a log and later ones.</summary>
    [Fact]
    public async Task AnchorGasIsBoundedWhateverTheTreeSize()
    {
        var logId = await RegisterAsync(chain.Operator0, NewOrigin());
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
