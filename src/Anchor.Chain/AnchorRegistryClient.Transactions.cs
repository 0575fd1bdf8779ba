using System.Collections.Concurrent;
using System.Numerics;
using Anchor.Chain.Registry;
using Microsoft.Extensions.Logging;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using Nethereum.Hex.HexConvertors.Extensions;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Util;

namespace Anchor.Chain;

// Sending, replacing and confirming transactions. Invariants:
// - one transaction in flight per account: a send requires the pending nonce to equal the mined one,
//   so the rule holds across processes and restarts (the chain, not memory, holds the nonce);
// - a replacement reuses the nonce, to and calldata, and raises both fees by at least 10%;
// - a mined transaction counts only while its receipt and its block hash are still canonical.
public sealed partial class AnchorRegistryClient
{
    /// <summary>Serialises "read nonce, sign, send" per (chain, account) within this process.</summary>
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> SendGates = new();

    private const ulong FallbackPriorityFee = 1_000_000_000; // 1 gwei, when eth_maxPriorityFeePerGas is missing

    private Task<SentTransaction> SubmitAsync<TFunction>(TFunction function, CancellationToken ct) where TFunction : FunctionMessage, new() =>
        SubmitAsync(RegistryAddress, "0x" + Convert.ToHexStringLower(function.GetCallData()), ct);

    private async Task<SentTransaction> SubmitAsync(string? to, string data, CancellationToken ct)
    {
        var signed = await PrepareAsync(to, data, null, ct);
        await BroadcastAsync(signed, ct);
        return signed;
    }

    /// <summary>
    /// Signs a transaction to the registry without sending it: the caller records it (raw bytes and hash) durably, then
    /// calls <see cref="BroadcastAsync"/>. <paramref name="gas"/> replaces the estimate (tests, fault drills).
    /// </summary>
    private async Task<SentTransaction> PrepareAsync(string? to, string data, ulong? gas, CancellationToken ct)
    {
        var from = account?.Address ?? throw new InvalidOperationException($"{Target.Name}: this client has no account key");
        var gate = SendGates.GetOrAdd($"{Target.ChainId}:{from.ToLowerInvariant()}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var mined = await NonceAsync(from, BlockParameter.CreateLatest(), ct);
            var pending = await NonceAsync(from, BlockParameter.CreatePending(), ct);
            if (pending != mined) throw new TransactionInFlightException(Target.Name, from, mined, pending);

            if (gas is null)
            {
                var estimate = await Translate(() => Rpc(() => web3.Eth.Transactions.EstimateGas.SendRequestAsync(
                    new CallInput { From = from, To = to, Data = data }), ct), from);
                gas = (ulong)(estimate.Value * 6 / 5); // 20% margin: estimates can be a little short
            }
            var (baseFee, tip) = await FeeInputsAsync(ct);
            var (maxFee, priority) = Eip1559Fees.Suggest(baseFee, tip, Target);
            var draft = new SentTransaction(from, to, data, gas.Value, pending, maxFee, priority, [], DateTimeOffset.UtcNow);
            var (raw, hash) = await SignAsync(draft);
            return draft with { Hashes = [hash], Raw = raw };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Sends the signed bytes of <paramref name="sent"/>'s newest variant. Idempotent: "already known" is success, and so is
    /// "nonce too low" (a variant, or another transaction, used the nonce: <see cref="WaitForMinedAsync"/> tells which).
    /// </summary>
    public async Task BroadcastAsync(SentTransaction sent, CancellationToken ct = default)
    {
        if (sent.Raw.Length == 0) throw new InvalidOperationException($"{Target.Name}: {sent.Hash} has no signed bytes to send");
        try
        {
            await Translate(() => Rpc(() => web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(sent.Raw), ct), sent.From);
            LogSent(logger, Target.Name, sent.Hash, sent.Nonce, (double)sent.MaxFeePerGas, (double)sent.MaxPriorityFeePerGas, null);
        }
        catch (ChainException e) when (e.InnerException is RpcResponseException r
            && (r.RpcError.Message.Contains("already", StringComparison.OrdinalIgnoreCase) || r.RpcError.Message.Contains("nonce too low", StringComparison.OrdinalIgnoreCase)))
        {
            // "already known" / "already imported": a retry after a lost answer (same bytes, same hash). "nonce too low": see above.
        }
    }

    /// <summary>
    /// Waits until one variant of <paramref name="sent"/> is mined. A variant the endpoint no longer knows (a restarted
    /// node, a pool that dropped it, a reorg) is broadcast again from its recorded bytes; one that stays unmined for
    /// <see cref="ChainTarget.StuckAfter"/> is replaced (same nonce, fees +12.5%), and <paramref name="replacing"/> gets
    /// the replacement BEFORE it is sent, so a caller that records it never loses a hash that could be mined.
    /// A reverted transaction throws <see cref="TransactionRevertedException"/> with its decoded reason.
    /// </summary>
    public async Task<MinedTransaction> WaitForMinedAsync(SentTransaction sent, Func<SentTransaction, Task>? replacing = null, CancellationToken ct = default)
    {
        while (true)
        {
            if (await FindReceiptAsync(sent, ct) is { } found) return await ToMinedAsync(sent, found, ct);
            var minedNonce = await NonceAsync(sent.From, BlockParameter.CreateLatest(), ct);
            if (minedNonce > sent.Nonce)
            {
                // The nonce is used; if none of our variants has a receipt, someone else's transaction took it.
                if (await FindReceiptAsync(sent, ct) is { } late) return await ToMinedAsync(sent, late, ct);
                throw new NonceTakenException(Target.Name, sent.Nonce);
            }
            if (DateTimeOffset.UtcNow - sent.SentAt >= Target.StuckAfter)
            {
                sent = await ReplaceAsync(sent, replacing, ct);
            }
            else if (sent.Raw.Length > 0 && await Rpc(() => web3.Eth.Transactions.GetTransactionByHash.SendRequestAsync(sent.Hash), ct) is null)
            {
                LogRebroadcast(logger, Target.Name, sent.Hash, sent.Nonce, null);
                await BroadcastAsync(sent, ct);
            }
            await Task.Delay(Target.PollInterval, ct);
        }
    }

    /// <summary>
    /// Where <paramref name="mined"/> stands now: still canonical (with its confirmations, and whether it is final) or
    /// reorged away.
    /// </summary>
    public async Task<MinedStatus> CheckMinedAsync(MinedTransaction mined, CancellationToken ct = default)
    {
        var receipt = await Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(mined.Hash), ct);
        if (receipt is null)
            return new MinedStatus(MinedState.Reorged, 0, "its receipt is gone");
        if (!SameHash(receipt.BlockHash, mined.BlockHash))
            return new MinedStatus(MinedState.Reorged, 0, $"it is now in block {receipt.BlockNumber.Value} ({receipt.BlockHash})");
        var block = await Rpc(() => web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter(mined.BlockNumber)), ct);
        if (block is null || !SameHash(block.BlockHash, mined.BlockHash))
            return new MinedStatus(MinedState.Reorged, 0, $"block {mined.BlockNumber} is now {block?.BlockHash ?? "missing"}");
        // The finalized block first, then the head: read the other way round, a block mined in between could make the anchor
        // final with fewer confirmations than the finalized block itself has.
        var finalized = await FinalizedBlockAsync(ct);
        var head = (await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;
        var confirmations = (ulong)(head - mined.BlockNumber) + 1;
        var final = finalized is { } f ? f >= mined.BlockNumber : confirmations >= (ulong)Math.Max(1, Target.Confirmations);
        return new MinedStatus(MinedState.Canonical, confirmations, "canonical", final);
    }

    /// <summary>Waits until <paramref name="mined"/> is final (<see cref="ChainTarget.Finality"/>); throws TransactionReorgedException if a reorg drops it.</summary>
    public async Task<MinedStatus> WaitForFinalityAsync(MinedTransaction mined, CancellationToken ct = default)
    {
        while (true)
        {
            var status = await CheckMinedAsync(mined, ct);
            if (status.State == MinedState.Reorged)
                throw new TransactionReorgedException(Target.Name, mined.Hash, mined.BlockNumber, status.Detail);
            if (status.Final) return status;
            await Task.Delay(Target.PollInterval, ct);
        }
    }

    private bool? _hasFinalizedTag;

    /// <summary>
    /// The number of the chain's <c>finalized</c> block when finality goes by that tag, else null (finality by
    /// confirmations). Under <see cref="FinalityRule.Auto"/> the first answer decides: an endpoint that refuses the tag
    /// (an older node, a chain without it) falls back to confirmations for this client's life.
    /// </summary>
    public async Task<ulong?> FinalizedBlockAsync(CancellationToken ct = default)
    {
        if (Target.Finality == FinalityRule.Confirmations || _hasFinalizedTag == false) return null;
        try
        {
            // Nethereum 6.1's BlockParameter has no "finalized"; the raw request takes the tag as it is.
            var block = await Rpc(() => web3.Client.SendRequestAsync<BlockWithTransactionHashes?>("eth_getBlockByNumber", null, "finalized", false), ct);
            if (block?.Number is null) throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: the endpoint has no finalized block");
            _hasFinalizedTag = true;
            return (ulong)block.Number.Value;
        }
        catch (Exception e) when (Target.Finality == FinalityRule.Auto && _hasFinalizedTag is null && e is RpcResponseException or ChainException and not RpcUnreachableException)
        {
            _hasFinalizedTag = false;
            LogNoFinalizedTag(logger, Target.Name, Target.Confirmations, null);
            return null;
        }
    }

    private async Task<SentTransaction> ReplaceAsync(SentTransaction sent, Func<SentTransaction, Task>? replacing, CancellationToken ct)
    {
        var (baseFee, tip) = await FeeInputsAsync(ct);
        if (Eip1559Fees.Bump(sent.MaxFeePerGas, sent.MaxPriorityFeePerGas, baseFee, tip, Target) is not var (maxFee, priority))
        {
            LogCapped(logger, Target.Name, sent.Hash, null);
            return sent with { SentAt = DateTimeOffset.UtcNow }; // wait another StuckAfter before trying again
        }
        var draft = sent with { MaxFeePerGas = maxFee, MaxPriorityFeePerGas = priority, SentAt = DateTimeOffset.UtcNow };
        var (raw, hash) = await SignAsync(draft);
        var next = draft with { Hashes = [.. sent.Hashes, hash], Raw = raw };
        // Recorded before it is sent: a crash after the send leaves its hash known.
        if (replacing is not null) await replacing(next);
        try
        {
            await BroadcastAsync(next, ct);
            LogReplaced(logger, Target.Name, sent.Hash, hash, sent.Nonce, (double)maxFee, (double)priority, null);
        }
        catch (ChainException e) when (e.Code == ChainErrorCode.Rpc)
        {
            // "replacement underpriced" and the like: the older variants stay valid; the next poll finds whichever is mined.
            LogReplaceFailed(logger, Target.Name, sent.Hash, e.Message, null);
        }
        return next;
    }

    /// <summary>Signs <paramref name="tx"/> (EIP-1559); the hash is keccak256 of the signed bytes, known before anything is sent.</summary>
    private async Task<(string Raw, string Hash)> SignAsync(SentTransaction tx)
    {
        var input = new TransactionInput
        {
            From = tx.From,
            To = tx.To,
            Data = tx.Data,
            Gas = new HexBigInteger(tx.Gas),
            Nonce = new HexBigInteger(tx.Nonce),
            MaxFeePerGas = new HexBigInteger(tx.MaxFeePerGas),
            MaxPriorityFeePerGas = new HexBigInteger(tx.MaxPriorityFeePerGas),
            Type = new HexBigInteger(2),
            Value = new HexBigInteger(0),
        };
        var raw = (await web3.TransactionManager.SignTransactionAsync(input)).EnsureHexPrefix();
        return (raw, "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(raw.HexToByteArray())));
    }

    private async Task<TransactionReceipt?> FindReceiptAsync(SentTransaction sent, CancellationToken ct)
    {
        foreach (var hash in sent.Hashes.Reverse())
            if (await Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(hash), ct) is { } receipt)
                return receipt;
        return null;
    }

    private async Task<MinedTransaction> ToMinedAsync(SentTransaction sent, TransactionReceipt receipt, CancellationToken ct)
    {
        if (receipt.Status?.Value != 1) throw await RevertReasonAsync(sent, receipt, ct);
        return new MinedTransaction(receipt.TransactionHash, sent.Nonce, (ulong)receipt.BlockNumber.Value, receipt.BlockHash,
            (ulong)receipt.GasUsed.Value, receipt.EffectiveGasPrice?.Value ?? 0, receipt.ContractAddress);
    }

    /// <summary>
    /// Why a mined transaction reverted. A receipt carries no reason: a transaction that used all its gas ran out of it;
    /// otherwise the call is replayed (same sender, calldata and gas) on the state its block left, then on its parent's,
    /// and the first revert that decodes names the reason (a competing anchor in the same block or before it shows in
    /// the first, a condition the block itself changed in the second).
    /// </summary>
    private async Task<TransactionRevertedException> RevertReasonAsync(SentTransaction sent, TransactionReceipt receipt, CancellationToken ct)
    {
        var hash = receipt.TransactionHash;
        if (receipt.GasUsed.Value >= sent.Gas)
            return new TransactionRevertedException(Target.Name, hash, "OutOfGas", null, $"out of gas (used all {sent.Gas})");
        var call = new CallInput { From = sent.From, To = sent.To, Data = sent.Data, Gas = new HexBigInteger(sent.Gas) };
        foreach (var block in new[] { receipt.BlockNumber.Value, receipt.BlockNumber.Value - 1 })
        {
            try
            {
                await Translate(() => Rpc(() => web3.Eth.Transactions.Call.SendRequestAsync(call, new BlockParameter(new HexBigInteger(block))), ct), sent.From);
            }
            catch (RegistryRevertedException e)
            {
                return new TransactionRevertedException(Target.Name, hash, e.ErrorName.Length == 0 ? "Unknown" : e.ErrorName, e.Error, e.Description, e);
            }
            catch (ChainException e) when (e.Code == ChainErrorCode.Rpc && e.Message.Contains("out of gas", StringComparison.OrdinalIgnoreCase))
            {
                return new TransactionRevertedException(Target.Name, hash, "OutOfGas", null, "out of gas", e);
            }
        }
        return new TransactionRevertedException(Target.Name, hash, "Unknown", null, "status 0, and a replay does not revert");
    }

    private async Task<ulong> NonceAsync(string address, BlockParameter block, CancellationToken ct) =>
        (ulong)(await Rpc(() => web3.Eth.Transactions.GetTransactionCount.SendRequestAsync(address, block), ct)).Value;

    private async Task<(BigInteger BaseFee, BigInteger Tip)> FeeInputsAsync(CancellationToken ct)
    {
        var block = await Rpc(() => web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(BlockParameter.CreateLatest()), ct);
        var baseFee = block.BaseFeePerGas?.Value ?? throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: the chain has no EIP-1559 base fee");
        BigInteger tip;
        try
        {
            tip = (await Rpc(() => web3.Client.SendRequestAsync<HexBigInteger>("eth_maxPriorityFeePerGas"), ct)).Value;
        }
        catch (RpcResponseException)
        {
            tip = FallbackPriorityFee;
        }
        return (baseFee, tip);
    }

    /// <summary>Turns node answers into typed errors: insufficient funds, and reverts decoded to the registry's custom errors.</summary>
    private async Task<T> Translate<T>(Func<Task<T>> call, string from)
    {
        try
        {
            return await call();
        }
        catch (SmartContractCustomErrorRevertException e)
        {
            throw Decode(e.ExceptionEncodedData, e);
        }
        catch (SmartContractRevertException e)
        {
            throw new RegistryRevertedException(Target.Name, "Error", null, e.RevertMessage, e);
        }
        catch (RpcResponseException e)
        {
            var message = e.RpcError.Message ?? "";
            if (message.Contains("insufficient funds", StringComparison.OrdinalIgnoreCase) || message.Contains("funds for gas", StringComparison.OrdinalIgnoreCase))
                throw new InsufficientFundsException(Target.Name, from, e);
            var data = RevertData(e.RpcError.Data);
            if (data is not null) throw Decode(data, e);
            throw new ChainException(ChainErrorCode.Rpc, $"{Target.Name}: {message}", e);
        }
    }

    private RegistryRevertedException Decode(string data, Exception inner)
    {
        var error = new SmartContractCustomErrorRevertException(data);
        foreach (var type in RegistryErrors.All)
            if (error.IsCustomErrorFor(type) && error.DecodeError(type) is IRegistryError decoded)
                return new RegistryRevertedException(Target.Name, ErrorName(type), decoded, decoded.Describe(), inner);
        return new RegistryRevertedException(Target.Name, "", null, $"unknown revert data {data}", inner);
    }

    private static string ErrorName(Type type) =>
        (type.GetCustomAttributes(typeof(Nethereum.ABI.FunctionEncoding.Attributes.ErrorAttribute), false).FirstOrDefault()
            as Nethereum.ABI.FunctionEncoding.Attributes.ErrorAttribute)?.Name ?? type.Name;

    /// <summary>Revert data arrives as a hex string in error.data (anvil, geth) or nested in it (some providers).</summary>
    private static string? RevertData(object? data)
    {
        var text = data switch
        {
            string s => s,
            Newtonsoft.Json.Linq.JValue v => v.Value as string,
            Newtonsoft.Json.Linq.JObject o => (o["data"] as Newtonsoft.Json.Linq.JValue)?.Value as string,
            _ => null,
        };
        return text is { Length: >= 10 } && text.StartsWith("0x", StringComparison.Ordinal) ? text : null;
    }

    private static bool SameHash(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static readonly Action<ILogger, string, string, ulong, double, double, Exception?> LogSent =
        LoggerMessage.Define<string, string, ulong, double, double>(LogLevel.Information, new EventId(2, "TxSent"),
            "{Chain}: sent {Hash} nonce {Nonce} maxFee {MaxFee} tip {Tip}");
    private static readonly Action<ILogger, string, string, string, ulong, double, double, Exception?> LogReplaced =
        LoggerMessage.Define<string, string, string, ulong, double, double>(LogLevel.Warning, new EventId(3, "TxReplaced"),
            "{Chain}: {Old} stuck, replaced by {New} (nonce {Nonce}, maxFee {MaxFee}, tip {Tip})");
    private static readonly Action<ILogger, string, string, Exception?> LogCapped =
        LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(4, "TxFeeCapped"),
            "{Chain}: {Hash} stuck, but the fee caps leave no room for a replacement");
    private static readonly Action<ILogger, string, string, ulong, Exception?> LogRebroadcast =
        LoggerMessage.Define<string, string, ulong>(LogLevel.Warning, new EventId(6, "TxRebroadcast"),
            "{Chain}: {Hash} (nonce {Nonce}) is neither mined nor known to the endpoint: sending its recorded bytes again");
    private static readonly Action<ILogger, string, int, Exception?> LogNoFinalizedTag =
        LoggerMessage.Define<string, int>(LogLevel.Information, new EventId(7, "NoFinalizedTag"),
            "{Chain}: the endpoint has no 'finalized' block; anchors are final with {Confirmations} confirmations");
    private static readonly Action<ILogger, string, string, string, Exception?> LogReplaceFailed =
        LoggerMessage.Define<string, string, string>(LogLevel.Warning, new EventId(5, "TxReplaceFailed"),
            "{Chain}: replacing {Hash} failed: {Reason}");
}
