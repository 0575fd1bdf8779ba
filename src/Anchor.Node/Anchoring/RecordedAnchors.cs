using Anchor.Grains.Anchoring;
using Anchor.Node.Api;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>
/// The anchors the chain grains recorded in Redis. Proof requests read them often, so they are cached
/// for a second: a bundle may name an anchor up to a second late, never one that is not recorded.
/// </summary>
public sealed class RecordedAnchors(AnchorStore store, IOptions<AnchoringOptions> options, TimeProvider time) : ILogAnchors
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<StoredAnchor> All) _cache = (DateTimeOffset.MinValue, []);

    public async Task<IReadOnlyList<StoredAnchor>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _cache.At < CacheFor) return _cache.All;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (now - _cache.At < CacheFor) return _cache.All;
            var all = new List<StoredAnchor>();
            foreach (var chain in options.Value.Chains)
                all.AddRange((await store.ReadRecordsAsync(chain.Name)).Select(r => StoredAnchor.FromJson(r.Json)));
            IReadOnlyList<StoredAnchor> sorted = [.. all.OrderByDescending(a => a.TreeSize).ThenByDescending(a => a.RecordedAt, StringComparer.Ordinal)];
            _cache = (now, sorted);
            return sorted;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
