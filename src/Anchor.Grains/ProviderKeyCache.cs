using System.Collections.Concurrent;
using System.Diagnostics;

namespace Anchor.Grains;

/// <summary>
/// One per silo: each provider's keys and revocations, so that verifying a record makes no grain call. The
/// provider grain tells this cache of every change before it acknowledges the change (a DELETE of a key returns
/// only after every cache dropped it), and an entry lives at most one lease, so a cache the grain could not tell,
/// or one subscribed to an activation that is gone, expires by itself before the grain acknowledges.
/// </summary>
public sealed class ProviderKeyCache(IGrainFactory grains) : IProviderKeysObserver, ILifecycleParticipant<ISiloLifecycle>
{
    private const int MaxProviders = 10_000;
    private IProviderKeysObserver? _reference;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _changes = new(StringComparer.Ordinal);

    private sealed record Entry(ProviderKeys Keys, long ExpiresAt);

    /// <summary>The observer reference is made as the silo starts: Orleans refuses to make one from inside a grain.</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ProviderKeyCache), ServiceLifecycleStage.ApplicationServices, _ =>
        {
            // Orleans holds observers weakly: this singleton keeps itself alive for as long as the silo.
            _reference = grains.CreateObjectReference<IProviderKeysObserver>(this);
            return Task.CompletedTask;
        });

    public async ValueTask<KeyLookup> GetAsync(string provider, string keyId)
    {
        if (_entries.TryGetValue(provider, out var cached) && Stopwatch.GetTimestamp() < cached.ExpiresAt) return cached.Keys.Lookup(keyId);
        var changes = _changes.GetValueOrDefault(provider);
        var asked = Stopwatch.GetTimestamp();
        var keys = await grains.GetGrain<IProviderGrain>(provider).Subscribe(
            _reference ?? throw new InvalidOperationException("the key cache is used before the silo started"));
        // The lease runs from when the grain granted it, which is after `asked`: expiring from `asked` is on the safe side.
        var entry = new Entry(keys, asked + (long)(keys.Lease.TotalSeconds * Stopwatch.Frequency));
        if (_entries.Count >= MaxProviders) _entries.Clear();
        _entries[provider] = entry;
        // A change told while the call was in flight may be missing from `keys`: use them for this request, keep them not.
        if (_changes.GetValueOrDefault(provider) != changes) _entries.TryRemove(new KeyValuePair<string, Entry>(provider, entry));
        return keys.Lookup(keyId);
    }

    public Task Changed(string provider)
    {
        // Count first, then drop: a lookup in flight either sees the count move or stored its entry before the drop.
        _changes.AddOrUpdate(provider, 1, (_, n) => n + 1);
        _entries.TryRemove(provider, out _);
        return Task.CompletedTask;
    }
}
