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
        var from = account?.Address ?? throw new InvalidOperationException($"{Target.Name}: this client has no account key");
        var gate = SendGates.GetOrAdd($"{Target.ChainId}:{from.ToLowerInvariant()}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            var mined = await NonceAsync(from, BlockParameter.CreateLatest(), ct);
            var pending = await NonceAsync(from, BlockParameter.CreatePending(), ct);
            if (pending != mined) throw new TransactionInFlightException(Target.Name, from, mined, pending);

            var estimate = await Translate(() => Rpc(() => web3.Eth.Transactions.EstimateGas.SendRequestAsync(
                new CallInput { From = from, To = to, Data = data }), ct), from);
            var gas = (ulong)(estimate.Value * 6 / 5); // 20% margin: estimates can be a little short
            var (baseFee, tip) = await FeeInputsAsync(ct);
            var (maxFee, priority) = Eip1559Fees.Suggest(baseFee, tip, Target);
            var draft = new SentTransaction(from, to, data, gas, pending, maxFee, priority, [], DateTimeOffset.UtcNow);
            var hash = await SignAndSendAsync(draft, ct);
            LogSent(logger, Target.Name, hash, pending, (double)maxFee, (double)priority, null);
            return draft with { Hashes = [hash] };
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Waits until one variant of <paramref name="sent"/> is mined, replacing it (same nonce, fees +12.5%)
    /// each time it stays unmined for <see cref="ChainTarget.StuckAfter"/>. Every replacement is reported to
    /// <paramref name="replaced"/> so a caller can persist it. A reverted transaction throws RegistryRevertedException.
    /// </summary>
    public async Task<MinedTransaction> WaitForMinedAsync(SentTransaction sent, IProgress<SentTransaction>? replaced = null, CancellationToken ct = default)
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
                sent = await ReplaceAsync(sent, ct);
                replaced?.Report(sent);
            }
            await Task.Delay(Target.PollInterval, ct);
        }
    }

    /// <summary>Where <paramref name="mined"/> stands now: still canonical (with its confirmations) or reorged away.</summary>
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
        var head = (await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;
        return new MinedStatus(MinedState.Canonical, (ulong)(head - mined.BlockNumber) + 1, "canonical");
    }

    /// <summary>Waits until <paramref name="mined"/> has <see cref="ChainTarget.Confirmations"/>; throws TransactionReorgedException if a reorg drops it.</summary>
    public async Task<MinedStatus> WaitForConfirmationsAsync(MinedTransaction mined, CancellationToken ct = default)
    {
        while (true)
        {
            var status = await CheckMinedAsync(mined, ct);
            if (status.State == MinedState.Reorged)
                throw new TransactionReorgedException(Target.Name, mined.Hash, mined.BlockNumber, status.Detail);
            if (status.Confirmations >= (ulong)Math.Max(1, Target.Confirmations)) return status;
            await Task.Delay(Target.PollInterval, ct);
        }
    }

    private async Task<SentTransaction> ReplaceAsync(SentTransaction sent, CancellationToken ct)
    {
        var (baseFee, tip) = await FeeInputsAsync(ct);
        if (Eip1559Fees.Bump(sent.MaxFeePerGas, sent.MaxPriorityFeePerGas, baseFee, tip, Target) is not var (maxFee, priority))
        {
            LogCapped(logger, Target.Name, sent.Hash, null);
            return sent with { SentAt = DateTimeOffset.UtcNow }; // wait another StuckAfter before trying again
        }
        var next = sent with { MaxFeePerGas = maxFee, MaxPriorityFeePerGas = priority, SentAt = DateTimeOffset.UtcNow };
        try
        {
            var hash = await SignAndSendAsync(next, ct);
            LogReplaced(logger, Target.Name, sent.Hash, hash, sent.Nonce, (double)maxFee, (double)priority, null);
            return next with { Hashes = [.. sent.Hashes, hash] };
        }
        catch (ChainException e) when (e.Code == ChainErrorCode.Rpc)
        {
            // "nonce too low": a variant got mined meanwhile, the caller's next poll finds it.
            LogReplaceFailed(logger, Target.Name, sent.Hash, e.Message, null);
            return sent with { SentAt = DateTimeOffset.UtcNow };
        }
    }

    private async Task<string> SignAndSendAsync(SentTransaction tx, CancellationToken ct)
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
        var hash = "0x" + Convert.ToHexStringLower(Sha3Keccack.Current.CalculateHash(raw.HexToByteArray()));
        try
        {
            await Translate(() => Rpc(() => web3.Eth.Transactions.SendRawTransaction.SendRequestAsync(raw), ct), tx.From);
        }
        catch (ChainException e) when (e.InnerException is RpcResponseException r && r.RpcError.Message.Contains("already", StringComparison.OrdinalIgnoreCase))
        {
            // "already known" / "already imported": a retry after a lost answer; the same bytes have the same hash.
        }
        return hash;
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
        if (receipt.Status?.Value != 1)
        {
            // Replay at the parent block to recover the custom error (the state may differ slightly; best effort).
            var parent = new BlockParameter(new HexBigInteger(receipt.BlockNumber.Value - 1));
            await Translate(() => Rpc(() => web3.Eth.Transactions.Call.SendRequestAsync(
                new CallInput { From = sent.From, To = sent.To, Data = sent.Data, Gas = new HexBigInteger(sent.Gas) }, parent), ct), sent.From);
            throw new RegistryRevertedException(Target.Name, "", null, $"transaction {receipt.TransactionHash} reverted (status 0)");
        }
        return new MinedTransaction(receipt.TransactionHash, sent.Nonce, (ulong)receipt.BlockNumber.Value, receipt.BlockHash,
            (ulong)receipt.GasUsed.Value, receipt.EffectiveGasPrice?.Value ?? 0, receipt.ContractAddress);
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
    private static readonly Action<ILogger, string, string, string, Exception?> LogReplaceFailed =
        LoggerMessage.Define<string, string, string>(LogLevel.Warning, new EventId(5, "TxReplaceFailed"),
            "{Chain}: replacing {Hash} failed: {Reason}");
}
