using Anchor.Core;
using System.Diagnostics;
using Anchor.Storage;

namespace Anchor.Grains;

/// <summary>
/// One per silo: whether a provider id is registered, answered from the log's set of provider ids in Redis, so that
/// a name nobody registered is refused without activating a provider grain (an activation reads grain storage and
/// holds memory until it is collected). Answers are kept in a bounded LRU: "registered" for as long as the entry
/// stays (a provider is never unregistered), "unknown" for <see cref="UnknownFor"/> only.
/// Invariant: a provider id is added to the set before its grain is registered, and the registration is answered
/// no sooner than <see cref="UnknownFor"/> after the set holds it, so no silo refuses a provider whose registration
/// was acknowledged.
/// </summary>
public sealed class KnownProviders(LogStore store)
{
    /// <summary>How long an id found unregistered is taken as unknown without asking Redis again.</summary>
    public static readonly TimeSpan UnknownFor = TimeSpan.FromSeconds(1);

    public const int MaxRemembered = 10_000;

    // The value is when an "unknown" answer stops holding (a Stopwatch timestamp); long.MaxValue for registered ids.
    private readonly LruCache<string, long> _answers = new(MaxRemembered, StringComparer.Ordinal);

    public async ValueTask<bool> IsRegisteredAsync(string provider)
    {
        if (_answers.TryGet(provider, out var until) && Stopwatch.GetTimestamp() < until) return until == long.MaxValue;
        // Asked before the question reaches Redis: an "unknown" lapses no later than UnknownFor after the set was read.
        var asked = Stopwatch.GetTimestamp();
        var registered = await store.IsProviderAsync(provider).ConfigureAwait(false);
        _answers.Set(provider, registered ? long.MaxValue : asked + (long)(UnknownFor.TotalSeconds * Stopwatch.Frequency));
        return registered;
    }

    /// <summary>
    /// Completes once <see cref="UnknownFor"/> has passed since <paramref name="added"/> (a Stopwatch timestamp taken after the
    /// id joined the set), by the Stopwatch that "unknown" answers expire by. Task.Delay alone is not enough: its timers run
    /// on a coarse clock (CLOCK_MONOTONIC_COARSE on Linux, a few ms a tick) and may end that much early, so an answer sent
    /// right after it could meet an "unknown" that had not lapsed (KeyCacheTests failed so once in CI).
    /// </summary>
    public static async Task UnknownLapsedAsync(long added)
    {
        for (var elapsed = Stopwatch.GetElapsedTime(added); elapsed < UnknownFor; elapsed = Stopwatch.GetElapsedTime(added))
            await Task.Delay(UnknownFor - elapsed + TimeSpan.FromMilliseconds(1)).ConfigureAwait(false);
    }

    /// <summary>How many answers are kept (bounded by <see cref="MaxRemembered"/>).</summary>
    internal int Count => _answers.Count;
}
