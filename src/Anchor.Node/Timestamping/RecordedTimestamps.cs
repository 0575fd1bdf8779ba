using Anchor.Core.Records;
using Anchor.Grains.Timestamping;
using Anchor.Storage;

namespace Anchor.Node.Timestamping;

/// <summary>
/// The tokens the TSA grains stored. Proof requests ask which sizes are time-stamped often, so that list (field names
/// only) is cached for a second: a bundle may name a token up to a second late, never one that is not stored.
/// </summary>
public sealed class RecordedTimestamps(TimestampStore store, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (DateTimeOffset At, IReadOnlyList<(ulong Size, string Tsa)> All) _cache = (DateTimeOffset.MinValue, []);

    /// <summary>Every (tree size, TSA) with a stored token, in size order.</summary>
    public async Task<IReadOnlyList<(ulong Size, string Tsa)>> ListAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (now - _cache.At < CacheFor) return _cache.All;
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (now - _cache.At < CacheFor) return _cache.All;
            IReadOnlyList<(ulong, string)> all = await store.ListAsync();
            _cache = (now, all);
            return all;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>The bundle members of the tokens of <paramref name="size"/> by <paramref name="tsas"/>, ordered by TSA name.</summary>
    public async Task<IReadOnlyList<TsaTimestamp>> ForSizeAsync(ulong size, IEnumerable<string> tsas) =>
        [.. (await store.ReadAsync(size, [.. tsas.Order(StringComparer.Ordinal)])).Select(json => StoredTimestamp.FromJson(json).Stamp)];
}
