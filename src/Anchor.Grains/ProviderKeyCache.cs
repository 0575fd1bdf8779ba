using Anchor.Core;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Anchor.Grains;

/// <summary>
/// One per silo: each provider's keys and revocations, so that verifying a record makes no grain call. The
/// provider grain tells this cache of every change before it acknowledges the change (a DELETE of a key returns
/// only after every cache dropped it), and an entry lives at most one lease, so a cache the grain could not tell,
/// or one subscribed to an activation that is gone, expires by itself before the grain acknowledges.
/// Ids nobody registered never reach a grain or this cache (<see cref="KnownProviders"/>), and the cache is an LRU:
/// requests naming random providers cannot push out the keys of the providers that do submit.
/// </summary>
public sealed class ProviderKeyCache(IGrainFactory grains, KnownProviders known) : IProviderKeysObserver, ILifecycleParticipant<ISiloLifecycle>
{
    public const int MaxProviders = 10_000;
    private static readonly KeyLookup Unknown = new(false, null);
    private IProviderKeysObserver? _reference;
    private readonly LruCache<string, Entry> _entries = new(MaxProviders, StringComparer.Ordinal);
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
        if (_entries.TryGet(provider, out var cached) && Stopwatch.GetTimestamp() < cached.ExpiresAt) return cached.Keys.Lookup(keyId);
        if (!await known.IsRegisteredAsync(provider)) return Unknown;
        var changes = _changes.GetValueOrDefault(provider);
        var asked = Stopwatch.GetTimestamp();
        var keys = await grains.GetGrain<IProviderGrain>(provider).Subscribe(
            _reference ?? throw new InvalidOperationException("the key cache is used before the silo started"));
        // The lease runs from when the grain granted it, which is after `asked`: expiring from `asked` is on the safe side.
        var entry = new Entry(keys, asked + (long)(keys.Lease.TotalSeconds * Stopwatch.Frequency));
        _entries.Set(provider, entry);
        // A change told while the call was in flight may be missing from `keys`: use them for this request, keep them not.
        if (_changes.GetValueOrDefault(provider) != changes) _entries.Remove(provider, entry);
        return keys.Lookup(keyId);
    }

    public Task Changed(string provider)
    {
        // Count first, then drop: a lookup in flight either sees the count move or stored its entry before the drop.
        _changes.AddOrUpdate(provider, 1, (_, n) => n + 1);
        _entries.Remove(provider);
        return Task.CompletedTask;
    }

    /// <summary>Whether a live entry for <paramref name="provider"/> is held (for tests of eviction).</summary>
    internal bool Holds(string provider) => _entries.TryGet(provider, out var entry) && Stopwatch.GetTimestamp() < entry.ExpiresAt;
}
