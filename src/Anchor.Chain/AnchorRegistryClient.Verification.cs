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
    /// Checks one bundle anchor against this chain, each fact on its own line: the transaction succeeded
    /// and went to the registry; its Anchored event carries (logId, size, root); rootAt agrees; the block
    /// is canonical at its height; it has enough confirmations; and the block time, the proven
    /// "existed no later than" time.
    /// </summary>
    public async Task<IReadOnlyList<Check>> CheckAnchorAsync(ChainAnchor anchor, int minConfirmations, CancellationToken ct = default)
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

        var expectedRoot = anchor.RootHex;
        var events = receipt.DecodeAllEvents<AnchoredEvent>()
            .Where(e => string.Equals(e.Log.Address, registry, StringComparison.OrdinalIgnoreCase)).Select(e => e.Event).ToList();
        var matching = events.Where(e => "0x" + Hex.Encode(e.LogId) == anchor.LogId.ToLowerInvariant()
            && e.TreeSize.ToString(CultureInfo.InvariantCulture) == anchor.TreeSize && Hex.Encode(e.Root) == expectedRoot).ToList();
        checks.Add(matching.Count == 1
            ? Check.Pass($"{label} Anchored event", $"logId {anchor.LogId}, treeSize {anchor.TreeSize}, root {expectedRoot}")
            : Check.Fail($"{label} Anchored event", events.Count == 0 ? "the transaction emitted no Anchored event"
                : $"event carries {string.Join("; ", events.Select(e => $"logId 0x{Hex.Encode(e.LogId)} size {e.TreeSize} root {Hex.Encode(e.Root)}"))}, bundle says logId {anchor.LogId} size {anchor.TreeSize} root {expectedRoot}"));

        if (Hex.TryDecode(anchor.LogId, out var logId, allowPrefix: true) && logId.Length == 32
            && ulong.TryParse(anchor.TreeSize, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            var onChain = Hex.Encode(await RootAtAsync(logId, size, ct));
            checks.Add(onChain == expectedRoot
                ? Check.Pass($"{label} rootAt", $"rootAt({anchor.TreeSize}) = {onChain}")
                : Check.Fail($"{label} rootAt", $"rootAt({anchor.TreeSize}) = {onChain}, bundle root {expectedRoot}"));
        }
        else checks.Add(Check.Fail($"{label} rootAt", $"logId {anchor.LogId} or treeSize {anchor.TreeSize} is malformed"));

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
}

/// <summary>
/// <see cref="IAnchorLookup"/> over JSON-RPC for one chain: it connects to the anchor's own registry,
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
            return await client.CheckAnchorAsync(anchor, minConfirmations, cancellationToken);
        }
        catch (ChainException e)
        {
            return [Check.Fail($"{label} lookup", e.Message)];
        }
    }
}
