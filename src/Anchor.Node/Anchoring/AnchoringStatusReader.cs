using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Node.Api;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>Each chain's anchoring status from what its grain recorded, and the lag behind the log's head.</summary>
public sealed class AnchoringStatusReader(AnchorStore store, LogStore log, ILogAnchors anchors, IOptions<AnchoringOptions> options, TimeProvider time)
    : IAnchoringStatus
{
    public async Task<IReadOnlyList<ChainStatus>> ChainsAsync(CancellationToken cancellationToken)
    {
        var head = await log.ReadHeadAsync();
        var all = await anchors.ListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var result = new List<ChainStatus>();
        foreach (var chain in options.Value.Chains)
        {
            var round = await store.ReadStatusAsync(chain.Name) is { } json ? AnchoringRound.FromJson(json) : null;
            var last = all.Where(a => a.Chain == chain.Name && a.State == AnchorStates.Confirmed).MaxBy(a => a.TreeSize);
            DateTimeOffset? lastAt = last is not null && Times.TryParse(last.Anchor.BlockTime, out var t) ? t : null;
            var lagEntries = head.Size - Math.Min(head.Size, last?.TreeSize ?? 0);
            double? lagSeconds = lastAt is { } at ? Math.Max(0, (now - at).TotalSeconds) : null;
            var state = round?.State ?? "starting";
            if (state == "ok" && lagEntries > 0 && lagSeconds > 3 * options.Value.Interval.TotalSeconds + 30) state = "lagging";
            result.Add(new ChainStatus(chain.Name, chain.ChainId, chain.Registry ?? "", round?.Account, last?.TreeSize ?? 0, lastAt,
                lagEntries, lagSeconds, round?.LastConfirmations ?? 0, round?.BalanceWei, round?.LastGasUsed, state, round?.LastError));
        }
        return result;
    }
}
