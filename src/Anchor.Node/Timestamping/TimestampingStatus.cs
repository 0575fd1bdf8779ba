using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Timestamping;

/// <summary>How time-stamping stands at one TSA, for /healthz, /metrics and `anchor status`.</summary>
/// <param name="State">"ok", "lagging" (time-stamping behind its interval), "down" (the TSA cannot be reached), "error" (its answer was refused) or "starting".</param>
/// <param name="LagEntries">Entries in the log that no token of this TSA covers yet.</param>
/// <param name="LagSeconds">Time since the genTime of the TSA's last token.</param>
public sealed record TsaStatus(string Name, string Url, string HashAlg, ulong LastSealedSize, string? LastGenTime, ulong? PendingSize,
    ulong LagEntries, double? LagSeconds, string State, string? LastError, string? LastReason);

/// <summary>Each TSA's status from what its grain recorded, and the lag behind the log's head.</summary>
public sealed class TimestampingStatus(TimestampStore store, SealedLog sealedLog, IOptions<TimestampingOptions> options, TimeProvider time)
{
    public async Task<IReadOnlyList<TsaStatus>> TsasAsync()
    {
        if (options.Value.Tsas.Count == 0) return [];
        var head = await sealedLog.Log.ReadHeadAsync();
        var now = time.GetUtcNow();
        var result = new List<TsaStatus>();
        foreach (var tsa in options.Value.Tsas)
        {
            var round = await store.ReadStatusAsync(tsa.Name) is { } json ? TimestampingRound.FromJson(json) : null;
            var sealedSize = round?.LastSize ?? 0;
            var lagEntries = head.Size - Math.Min(head.Size, sealedSize);
            double? lagSeconds = round?.LastGenTime is { } g && Times.TryParse(g, out var genTime) ? Math.Max(0, (now - genTime).TotalSeconds) : null;
            var state = round?.State ?? "starting";
            if (state == "ok" && lagEntries > 0 && lagSeconds > 3 * options.Value.Interval.TotalSeconds + 30) state = "lagging";
            result.Add(new TsaStatus(tsa.Name, tsa.Url.ToString(), tsa.HashAlg, sealedSize, round?.LastGenTime, round?.PendingSize, lagEntries, lagSeconds,
                state, round?.LastError, round?.LastReason));
        }
        return result;
    }
}
