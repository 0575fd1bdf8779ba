using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>Each chain's anchoring status from what its grain recorded, and the lag behind the log's head.</summary>
/// <remarks>
/// The lag in seconds is defined once, here: the age of the oldest entry not yet covered by a final anchor on the chain
/// (now minus the receivedAt, or registeredAt, of entry <c>lastAnchoredSize</c>), and 0 when every entry is covered.
/// /healthz, `anchor status` and <c>anchor_anchoring_lag_seconds</c> all report it. It reads one record and one entry.
/// </remarks>
public sealed class AnchoringStatusReader(AnchorStore store, SealedLog sealedLog, IOptions<AnchoringOptions> options, TimeProvider time)
    : IAnchoringStatus
{
    public async Task<IReadOnlyList<ChainStatus>> ChainsAsync(CancellationToken cancellationToken)
    {
        var head = await sealedLog.Log.ReadHeadAsync();
        var now = time.GetUtcNow();
        var result = new List<ChainStatus>();
        foreach (var chain in options.Value.Chains)
        {
            var round = await store.ReadStatusAsync(chain.Name) is { } json ? AnchoringRound.FromJson(json) : null;
            var last = await store.ReadNewestFinalAsync(chain.Name) is { } record ? StoredAnchor.FromJson(record) : null;
            DateTimeOffset? lastAt = last is not null && Times.TryParse(last.Anchor.BlockTime, out var t) ? t : null;
            var covered = Math.Min(head.Size, last?.TreeSize ?? 0);
            var lagEntries = head.Size - covered;
            double? lagSeconds = lagEntries == 0 ? 0 : await OldestWaitingAsync(covered, head) is { } waiting ? Math.Max(0, (now - waiting).TotalSeconds) : null;
            var state = round?.State ?? "starting";
            if (state == "ok" && lagEntries > 0 && lagSeconds > 3 * options.Value.Interval.TotalSeconds + 30) state = "lagging";
            result.Add(new ChainStatus(chain.Name, chain.ChainId, chain.Registry ?? "", round?.Account, last?.TreeSize ?? 0, lastAt,
                lagEntries, lagSeconds, round?.LastConfirmations ?? 0, round?.BalanceWei, round?.LastGasUsed, state, round?.LastError));
        }
        return result;
    }

    /// <summary>When entry <paramref name="index"/>, the oldest one no final anchor covers, entered the log; null if unreadable.</summary>
    private async Task<DateTimeOffset?> OldestWaitingAsync(ulong index, LogHead head)
    {
        try
        {
            if (await sealedLog.Log.ReadLeafAsync(index, head) is not { } leaf || JsonNode.Parse(leaf.Data) is not JsonObject entry) return null;
            var at = (entry["receivedAt"] ?? entry["registeredAt"])?.GetValue<string>();
            return at is not null && Times.TryParse(at, out var t) ? t : null;
        }
        catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return null; // The head moved back under the read (see ForkGuard): the next probe reads again.
        }
    }
}
