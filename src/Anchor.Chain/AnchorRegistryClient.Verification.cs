using System.Globalization;
using Anchor.Chain.Registry;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Verification;
using Nethereum.Contracts;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;

namespace Anchor.Chain;

public sealed partial class AnchorRegistryClient
{
    /// <summary>
    /// Checks one bundle anchor against this chain and what the verifier trusts (<paramref name="expected"/>, never the
    /// bundle), each fact on its own line: the transaction succeeded and went to the registry; its Anchored event, from
    /// the registry, carries (trusted logId, size, root); rootAt agrees; the registry names the trusted operator for the
    /// log and holds the commitment to the trusted log key; the block is canonical at its height; it has enough
    /// confirmations; and the block time, the proven "existed no later than" time.
    /// </summary>
    /// <remarks>
    /// An expectation with an empty operator exists only for untrusted exploration (the bundle's own registry and log
    /// ID): the operator line is then "not checked", never passed.
    /// </remarks>
    public async Task<IReadOnlyList<Check>> CheckAnchorAsync(ChainAnchor anchor, AnchorExpectation expected, int minConfirmations, CancellationToken ct = default)
    {
        var label = $"anchor chain {anchor.ChainId}";
        var checks = new List<Check>();
        var registry = RegistryAddress;
        var receipt = await Rpc(() => web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(anchor.TxHash), ct);
        if (receipt is null)
        {
            checks.Add(Check.Fail($"{label} transaction", $"no receipt for {anchor.TxHash}: not mined on this chain, or dropped by a reorg"));
            return checks;
        }
        var toRegistry = string.Equals(receipt.To, registry, StringComparison.OrdinalIgnoreCase);
        checks.Add(receipt.Status?.Value == 1 && toRegistry
            ? Check.Pass($"{label} transaction", $"{anchor.TxHash} succeeded, sent to registry {registry}")
            : Check.Fail($"{label} transaction", $"{anchor.TxHash}: status {receipt.Status?.Value}, to {receipt.To}, registry {registry}"));

        var expectedLogId = expected.Chain.LogId.ToLowerInvariant();
        var expectedRoot = anchor.RootHex;
        var events = receipt.DecodeAllEvents<AnchoredEvent>()
            .Where(e => string.Equals(e.Log.Address, registry, StringComparison.OrdinalIgnoreCase)).Select(e => e.Event).ToList();
        var matching = events.Where(e => "0x" + Hex.Encode(e.LogId) == expectedLogId
            && e.TreeSize.ToString(CultureInfo.InvariantCulture) == anchor.TreeSize && Hex.Encode(e.Root) == expectedRoot).ToList();
        checks.Add(matching.Count == 1
            ? Check.Pass($"{label} Anchored event", $"from registry {registry}: logId {expectedLogId}, treeSize {anchor.TreeSize}, root {expectedRoot}")
            : Check.Fail($"{label} Anchored event", events.Count == 0 ? $"the transaction emitted no Anchored event from registry {registry}"
                : $"event carries {string.Join("; ", events.Select(e => $"logId 0x{Hex.Encode(e.LogId)} size {e.TreeSize} root {Hex.Encode(e.Root)}"))}, expected logId {expectedLogId} size {anchor.TreeSize} root {expectedRoot}"));

        if (!Hex.TryDecode(expectedLogId, out var logId, allowPrefix: true) || logId.Length != 32)
        {
            checks.Add(Check.Fail($"{label} rootAt", $"the expected logId {expectedLogId} is malformed"));
            return checks;
        }
        if (ulong.TryParse(anchor.TreeSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            var onChain = Hex.Encode(await RootAtAsync(logId, size, ct));
            checks.Add(onChain == expectedRoot
                ? Check.Pass($"{label} rootAt", $"rootAt({expectedLogId}, {anchor.TreeSize}) = {onChain}")
                : Check.Fail($"{label} rootAt", $"rootAt({expectedLogId}, {anchor.TreeSize}) = {onChain}, bundle root {expectedRoot}"));
        }
        else checks.Add(Check.Fail($"{label} rootAt", $"treeSize {anchor.TreeSize} is malformed"));

        checks.Add(await OperatorCheckAsync($"{label} operator", logId, expectedLogId, expected.Chain.Operator, ct));
        checks.Add(await KeyCommitmentCheckAsync($"{label} key commitment", logId, expectedLogId, expected.KeyCommitment, ct));

        var minedNumber = (ulong)receipt.BlockNumber.Value;
        var canonical = await Rpc(() => web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new BlockParameter(new HexBigInteger(minedNumber))), ct);
        var bundleNumberOk = anchor.BlockNumber == minedNumber.ToString(CultureInfo.InvariantCulture);
        var hashOk = canonical is not null && string.Equals(canonical.BlockHash, anchor.BlockHash, StringComparison.OrdinalIgnoreCase)
            && string.Equals(receipt.BlockHash, anchor.BlockHash, StringComparison.OrdinalIgnoreCase);
        checks.Add(bundleNumberOk && hashOk
            ? Check.Pass($"{label} block", $"block {minedNumber} is {anchor.BlockHash}, canonical")
            : Check.Fail($"{label} block", $"bundle says block {anchor.BlockNumber} {anchor.BlockHash}; the transaction is in block {minedNumber} {receipt.BlockHash}; canonical hash at that height {canonical?.BlockHash ?? "(none)"}"));

        var head = (ulong)(await Rpc(() => web3.Eth.Blocks.GetBlockNumber.SendRequestAsync(), ct)).Value;
        var confirmations = head >= minedNumber ? head - minedNumber + 1 : 0;
        checks.Add(confirmations >= (ulong)minConfirmations
            ? Check.Pass($"{label} confirmations", $"{confirmations} (at least {minConfirmations})")
            : Check.Fail($"{label} confirmations", $"{confirmations}, fewer than {minConfirmations}"));

        if (canonical is not null)
        {
            var time = Times.ToText(DateTimeOffset.FromUnixTimeSeconds((long)canonical.Timestamp.Value));
            checks.Add(time == anchor.BlockTime
                ? Check.Pass($"{label} block time", $"{time} (block {minedNumber} on chain {anchor.ChainId})")
                : Check.Fail($"{label} block time", $"block time {time}, bundle says {anchor.BlockTime}"));
        }
        return checks;
    }

    /// <summary>operatorOf(logId) is the operator the verifier trusts: the log ID is run by that account, not a squatter.</summary>
    private async Task<Check> OperatorCheckAsync(string name, byte[] logId, string logIdText, string expected, CancellationToken ct)
    {
        var onChain = await OperatorOfAsync(logId, ct);
        if (expected.Length == 0)
            return Check.NotChecked(name, $"operatorOf({logIdText}) = {onChain}: no trusted operator to compare with (the bundle's own registry)");
        return string.Equals(onChain, expected, StringComparison.OrdinalIgnoreCase)
            ? Check.Pass(name, $"operatorOf({logIdText}) = {onChain.ToLowerInvariant()}, the trusted operator")
            : Check.Fail(name, $"operatorOf({logIdText}) = {onChain.ToLowerInvariant()}, the trust file names {expected}");
    }

    /// <summary>keyCommitmentOf(logId) is SHA-256 of the trusted vkey: the log registered there is the one that key signs for.</summary>
    private async Task<Check> KeyCommitmentCheckAsync(string name, byte[] logId, string logIdText, byte[] expected, CancellationToken ct)
    {
        var onChain = Hex.Encode(await KeyCommitmentOfAsync(logId, ct));
        if (expected.Length == 0) return Check.Fail(name, $"keyCommitmentOf({logIdText}) = {onChain}: no log key to compare it with");
        var want = Hex.Encode(expected);
        return onChain == want
            ? Check.Pass(name, $"keyCommitmentOf({logIdText}) = {onChain} = SHA-256(log key)")
            : Check.Fail(name, $"keyCommitmentOf({logIdText}) = {onChain}, SHA-256 of the trusted log key is {want}");
    }
}

/// <summary>
/// <see cref="IAnchorLookup"/> over JSON-RPC for one chain: it connects to the expected (trusted) registry,
/// checking that the endpoint serves the anchor's chain ID and that the registry has code.
/// </summary>
public sealed class RpcAnchorLookup(string rpcUrl) : IAnchorLookup
{
    public async Task<IReadOnlyList<Check>> CheckAsync(ChainAnchor anchor, AnchorExpectation expected, int minConfirmations, CancellationToken cancellationToken)
    {
        var label = $"anchor chain {anchor.ChainId}";
        if (!ulong.TryParse(anchor.ChainId, NumberStyles.None, CultureInfo.InvariantCulture, out var chainId))
            return [Check.Fail($"{label} lookup", $"chainId '{anchor.ChainId}' is not a number")];
        // The registry is the trusted one, never the bundle's: an anchor naming another registry fails before this lookup.
        var target = new ChainTarget($"chain {anchor.ChainId}", rpcUrl, chainId, expected.Chain.Registry) { RpcAttempts = 3 };
        try
        {
            using var client = await AnchorRegistryClient.ConnectAsync(target, ct: cancellationToken);
            return await client.CheckAnchorAsync(anchor, expected, minConfirmations, cancellationToken);
        }
        catch (ChainException e)
        {
            return [Check.Fail($"{label} lookup", e.Message)];
        }
    }
}
