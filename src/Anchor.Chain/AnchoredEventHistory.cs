using Anchor.Chain.Registry;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Anchor.Chain;

/// <summary>One Anchored event: the chain's word that the log's root at <see cref="TreeSize"/> is <see cref="Root"/>.</summary>
public sealed record AnchoredEventRecord(ulong TreeSize, byte[] Root, string TxHash, ulong BlockNumber);

/// <summary>
/// Every Anchored event of one log ID on one registry, in the canonical chain, read with eth_getLogs in bounded block
/// ranges (public endpoints refuse unbounded ones): all the (size, root) pairs the chain holds for the log. `anchor
/// audit --rpc` compares each with the log's own root at that size, so an anchor the log no longer agrees with (an
/// anchor sent in the second a power loss took back) is found wherever it is, not only the newest.
/// </summary>
public static class AnchoredEventHistory
{
    public const ulong BlockRange = 10_000;

    /// <param name="fromBlock">The first block searched: the registry's deployment block where known, else 0.</param>
    /// <exception cref="ChainException">The endpoint serves another chain, or has no code at the registry.</exception>
    public static async Task<IReadOnlyList<AnchoredEventRecord>> ReadAsync(string rpcUrl, ulong chainId, string registry, byte[] logId, ulong fromBlock,
        CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var web3 = new Web3(new RpcClient(new Uri(rpcUrl), http, null, null, null));
        var served = (ulong)(await web3.Eth.ChainId.SendRequestAsync()).Value;
        if (served != chainId) throw new ChainException(ChainErrorCode.WrongChainId, $"{rpcUrl} serves chain {served}, not {chainId}");
        if ((await web3.Eth.GetCode.SendRequestAsync(registry)) is null or "0x" or "")
            throw new ChainException(ChainErrorCode.RegistryNotDeployed, $"chain {chainId}: no contract at the registry {registry}");
        var latest = (ulong)(await web3.Eth.Blocks.GetBlockNumber.SendRequestAsync()).Value;
        var anchored = web3.Eth.GetEvent<AnchoredEvent>(registry);
        var events = new List<AnchoredEventRecord>();
        for (var from = fromBlock; from <= latest; from += BlockRange)
        {
            ct.ThrowIfCancellationRequested();
            // The type argument is spelled out: inferred, a byte[] binds to the T1[] overload (any of 32 one-byte topics).
            var filter = anchored.CreateFilterInput<byte[]>(logId, new BlockParameter(from), new BlockParameter(Math.Min(latest, from + BlockRange - 1)));
            foreach (var log in await anchored.GetAllChangesAsync(filter))
                events.Add(new(log.Event.TreeSize, log.Event.Root, log.Log.TransactionHash, (ulong)log.Log.BlockNumber.Value));
        }
        return events;
    }
}
