using System.Numerics;
using Anchor.Chain.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace Anchor.Chain;

/// <summary>
/// The AnchorRegistry on one chain: deploy, register a log, anchor roots (EIP-1559, one transaction in
/// flight per account, stuck ones replaced, confirmations, reorg detection) and read anchors back for verifiers.
/// </summary>
public sealed partial class AnchorRegistryClient : IDisposable
{
    private readonly Web3 web3;
    private readonly HttpClient http;
    private readonly Account? account;
    private readonly RpcRetry rpc;
    private readonly ILogger logger;

    public ChainTarget Target { get; }
    /// <summary>The operator account's address, or null for a read-only client.</summary>
    public string? Account => account?.Address;

    private AnchorRegistryClient(ChainTarget target, string? privateKey, ILogger? logger)
    {
        Target = target;
        this.logger = logger ?? NullLogger.Instance;
        http = new HttpClient { Timeout = target.RpcTimeout };
        var client = new RpcClient(new Uri(target.RpcUrl), http, null, null, null);
        if (privateKey is null)
        {
            web3 = new Web3(client);
        }
        else
        {
            account = new Account(privateKey, new BigInteger(target.ChainId));
            web3 = new Web3(account, client);
            web3.TransactionManager.UseLegacyAsDefault = false;
        }
        rpc = new RpcRetry(target, (attempt, delay, e) => LogRetry(this.logger, target.Name, attempt, delay.TotalMilliseconds, e.Message, null));
    }

    /// <summary>
    /// Connects and checks the endpoint: its chain ID must be <see cref="ChainTarget.ChainId"/>, and when
    /// <see cref="ChainTarget.Registry"/> is set, code must exist there. The key is <paramref name="privateKey"/>,
    /// else the target's key file, else none (read-only). A target with ChainId 0 takes the endpoint's
    /// (for one-off tools such as the CLI; a configured chain always pins its ID).
    /// </summary>
    public static async Task<AnchorRegistryClient> ConnectAsync(ChainTarget target, string? privateKey = null, ILogger? logger = null, CancellationToken ct = default)
    {
        privateKey ??= target.KeyFile is null ? null : AccountKey.ReadFile(target.KeyFile);
        var client = new AnchorRegistryClient(target, privateKey, logger);
        try
        {
            var chainId = (ulong)(await client.Rpc(() => client.web3.Eth.ChainId.SendRequestAsync(), ct)).Value;
            if (target.ChainId == 0)
            {
                client.Dispose();
                return await ConnectAsync(target with { ChainId = chainId }, privateKey, logger, ct);
            }
            if (chainId != target.ChainId)
                throw new WrongChainIdException(target.Name, target.ChainId, chainId);
            if (target.Registry is not null)
                await client.RequireRegistryAsync(ct);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose() => http.Dispose();

    private string RegistryAddress => Target.Registry ?? throw new InvalidOperationException($"{Target.Name}: no registry address configured");

    private async Task RequireRegistryAsync(CancellationToken ct)
    {
        var code = await Rpc(() => web3.Eth.GetCode.SendRequestAsync(RegistryAddress), ct);
        if (string.IsNullOrEmpty(code) || code == "0x")
            throw new RegistryNotDeployedException(Target.Name, RegistryAddress, "eth_getCode is empty");
    }

    // ---- registry transactions ----

    /// <summary>Deploys a registry built from contracts/; the result's ContractAddress is its address.</summary>
    public async Task<MinedTransaction> DeployAsync(CancellationToken ct = default)
    {
        var input = new RegistryDeployment().CreateTransactionInput();
        var sent = await SubmitAsync(null, input.Data, ct);
        var mined = await WaitForMinedAsync(sent, null, ct);
        return mined.ContractAddress is null ? throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: deployment receipt has no contract address") : mined;
    }

    /// <summary>The ID this client's account gets for <paramref name="origin"/>: its own namespace in the registry.</summary>
    public byte[] OwnLogId(string origin) =>
        LogId.For(account?.Address ?? throw new InvalidOperationException($"{Target.Name}: this client has no account key"), origin);

    /// <summary>
    /// Registers the log named <paramref name="origin"/> under this account (its ID is <see cref="OwnLogId"/>), committing
    /// to the log's verifier key (<see cref="Anchor.Core.Records.RegistryLog.KeyCommitment"/>); this account becomes its operator.
    /// </summary>
    public async Task<MinedTransaction> RegisterLogAsync(string origin, byte[] keyCommitment, CancellationToken ct = default)
    {
        var sent = await SubmitAsync(new RegisterLogFunction { Origin = origin, KeyCommitment = keyCommitment }, ct);
        return await WaitForMinedAsync(sent, null, ct);
    }

    public async Task<MinedTransaction> TransferOperatorAsync(byte[] logId, string next, CancellationToken ct = default)
    {
        var sent = await SubmitAsync(new TransferOperatorFunction { LogId = logId, Next = next }, ct);
        return await WaitForMinedAsync(sent, null, ct);
    }

    /// <summary>Sends anchor(logId, treeSize, root) and returns once it is in the pool (see WaitForMinedAsync).</summary>
    public Task<SentTransaction> SubmitAnchorAsync(byte[] logId, ulong treeSize, byte[] root, CancellationToken ct = default) =>
        SubmitAsync(new AnchorFunction { LogId = logId, TreeSize = treeSize, Root = root }, ct);

    /// <summary>
    /// Signs anchor(logId, treeSize, root) without sending it (see <see cref="BroadcastAsync"/>): the caller records the
    /// signed bytes and hash first. <paramref name="gas"/> replaces the estimate.
    /// </summary>
    public Task<SentTransaction> PrepareAnchorAsync(byte[] logId, ulong treeSize, byte[] root, ulong? gas = null, CancellationToken ct = default) =>
        PrepareAsync(RegistryAddress, "0x" + Convert.ToHexStringLower(new AnchorFunction { LogId = logId, TreeSize = treeSize, Root = root }.GetCallData()), gas, ct);

    /// <summary>Anchors and waits until the anchor is final (<see cref="ChainTarget.Finality"/>); a reorg meanwhile throws TransactionReorgedException.</summary>
    public async Task<MinedTransaction> AnchorAsync(byte[] logId, ulong treeSize, byte[] root, CancellationToken ct = default)
    {
        var sent = await SubmitAnchorAsync(logId, treeSize, root, ct);
        var mined = await WaitForMinedAsync(sent, null, ct);
        await WaitForFinalityAsync(mined, ct);
        return mined;
    }

    // ---- reads ----

    /// <summary>rootAt via eth_call: the root anchored for that size, or 32 zero bytes.</summary>
    public Task<byte[]> RootAtAsync(byte[] logId, ulong treeSize, CancellationToken ct = default) =>
        Rpc(() => web3.Eth.GetContractQueryHandler<RootAtFunction>()
            .QueryAsync<byte[]>(RegistryAddress, new RootAtFunction { LogId = logId, TreeSize = treeSize }), ct);

    /// <summary>The newest anchor of the log; (0, zero root) when never anchored.</summary>
    public async Task<(ulong TreeSize, byte[] Root)> LatestAsync(byte[] logId, CancellationToken ct = default)
    {
        var output = await Rpc(() => web3.Eth.GetContractQueryHandler<LatestFunction>()
            .QueryDeserializingToObjectAsync<LatestOutput>(new LatestFunction { LogId = logId }, RegistryAddress, null), ct);
        return (output.TreeSize, output.Root);
    }

    public Task<string> OperatorOfAsync(byte[] logId, CancellationToken ct = default) =>
        Rpc(() => web3.Eth.GetContractQueryHandler<OperatorOfFunction>()
            .QueryAsync<string>(RegistryAddress, new OperatorOfFunction { LogId = logId }), ct);

    /// <summary>keyCommitmentOf via eth_call: SHA-256 of the vkey stored at registration, or 32 zero bytes for an unknown log.</summary>
    public Task<byte[]> KeyCommitmentOfAsync(byte[] logId, CancellationToken ct = default) =>
        Rpc(() => web3.Eth.GetContractQueryHandler<KeyCommitmentOfFunction>()
            .QueryAsync<byte[]>(RegistryAddress, new KeyCommitmentOfFunction { LogId = logId }), ct);

    /// <summary>logIdOf via eth_call: the contract's own derivation of a log ID (what Core's RegistryLog computes offline).</summary>
    public Task<byte[]> LogIdOfAsync(string registrant, string origin, CancellationToken ct = default) =>
        Rpc(() => web3.Eth.GetContractQueryHandler<LogIdOfFunction>()
            .QueryAsync<byte[]>(RegistryAddress, new LogIdOfFunction { Registrant = registrant, Origin = origin }), ct);

    public async Task<BigInteger> BalanceAsync(string address, CancellationToken ct = default) =>
        (await Rpc(() => web3.Eth.GetBalance.SendRequestAsync(address), ct)).Value;

    /// <summary>
    /// What a verifier checks for (logId, treeSize): rootAt by eth_call, the Anchored event that wrote it,
    /// its transaction and block. Null when the size was never anchored.
    /// </summary>
    public async Task<AnchorRecord?> LookupAsync(byte[] logId, ulong treeSize, CancellationToken ct = default)
    {
        var root = await RootAtAsync(logId, treeSize, ct);
        if (root.All(b => b == 0)) return null;
        var hash = await FindAnchoredAsync(logId, treeSize, ct)
            ?? throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: rootAt({treeSize}) is set, but no Anchored event for it was found from block {Target.FromBlock} on");
        return await LookupTransactionAsync(hash, ct);
    }

    /// <summary>
    /// The transaction of the Anchored event of (logId, treeSize), searched with eth_getLogs from the head down to
    /// <see cref="ChainTarget.FromBlock"/> in ranges of <see cref="ChainTarget.LogRange"/> blocks: public RPCs refuse
    /// long ranges, and the anchors looked up (the newest, adopted after a crash) sit near the head.
    /// </summary>
    private async Task<string?> FindAnchoredAsync(byte[] logId, ulong treeSize, CancellationToken ct)
    {
        var anchored = web3.Eth.GetEvent<AnchoredEvent>(RegistryAddress);
        var range = Math.Max(1, Target.LogRange);
        var to = (ulong)(await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;
        while (true)
        {
            var from = to >= Target.FromBlock + range - 1 ? to - range + 1 : Target.FromBlock;
            var filter = anchored.CreateFilterInput(logId, treeSize, new BlockParameter(from), new BlockParameter(to));
            var logs = await Rpc(() => anchored.GetAllChangesAsync(filter), ct);
            // Sizes strictly grow, so the canonical chain holds at most one Anchored event per (log, size).
            if (logs.Count > 1)
                throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: expected one Anchored event for size {treeSize}, found {logs.Count}");
            if (logs.Count == 1) return logs[0].Log.TransactionHash;
            if (from <= Target.FromBlock) return null;
            to = from - 1;
        }
    }

    /// <summary>
    /// What a verifier checks for a bundle's anchor: the receipt of <paramref name="txHash"/>, its Anchored
    /// event (emitted by this registry), that rootAt agrees, and the block's hash and time.
    /// </summary>
    public async Task<AnchorRecord> LookupTransactionAsync(string txHash, CancellationToken ct = default)
    {
        var receipt = await Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(txHash), ct)
            ?? throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: no receipt for {txHash}");
        var events = receipt.DecodeAllEvents<AnchoredEvent>()
            .Where(e => string.Equals(e.Log.Address, RegistryAddress, StringComparison.OrdinalIgnoreCase)).ToList();
        if (receipt.Status?.Value != 1 || events.Count != 1)
            throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: {txHash} is not a successful anchor on registry {RegistryAddress}");
        var e = events[0].Event;
        var root = await RootAtAsync(e.LogId, e.TreeSize, ct);
        if (!root.AsSpan().SequenceEqual(e.Root))
            throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: rootAt({e.TreeSize}) disagrees with the Anchored event of {txHash}");
        var block = await Rpc(() => web3.Eth.Blocks.GetBlockWithTransactionsHashesByHash.SendRequestAsync(receipt.BlockHash), ct)
            ?? throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: block {receipt.BlockHash} not found");
        var head = await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct);
        var number = (ulong)receipt.BlockNumber.Value;
        return new AnchorRecord(
            Target.ChainId, RegistryAddress.ToLowerInvariant(), "0x" + Convert.ToHexStringLower(e.LogId), e.TreeSize,
            Convert.ToHexStringLower(e.Root), receipt.TransactionHash, number, receipt.BlockHash,
            DateTimeOffset.FromUnixTimeSeconds((long)block.Timestamp.Value),
            head.Value >= number ? (ulong)(head.Value - number) + 1 : 0);
    }

    private Task<T> Rpc<T>(Func<Task<T>> call, CancellationToken ct) => rpc.RunAsync(call, ct);

    private static readonly Action<ILogger, string, int, double, string, Exception?> LogRetry =
        LoggerMessage.Define<string, int, double, string>(LogLevel.Warning, new EventId(1, "RpcRetry"),
            "{Chain}: RPC attempt {Attempt} failed, retrying in {DelayMs} ms: {Reason}");
}
