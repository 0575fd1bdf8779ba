using System.Collections.Concurrent;
using System.Text;
using Anchor.Core.Checkpoints;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// The logs of one cluster: a registry in Redis (<see cref="RegistryKey"/>, a HASH origin → <see cref="RegisteredLog"/> JSON, kept
/// under the default log's hash tag, so clusters sharing a Redis keep their registries apart)
/// and one <see cref="LogStore"/> per origin, made on first use and kept. The configured origin is the default log: it
/// always exists, registered or not, so a one-log cluster works as before. Each log keeps its keys under its own hash tag
/// (<see cref="LogKeys"/>), so Redis Cluster spreads logs over slots; the registry itself is one key, in the default log's slot.
/// Invariant: a log is never removed from the registry, and a frozen log never opens again.
/// </summary>
public sealed class LogSet(IConnectionMultiplexer redis, LogStore defaultLog, Func<string, LogStore> open) : IMemberLogs
{
    /// <summary><c>anchor:{DEFAULT ORIGIN}:logs</c>: one key, in the default log's slot.</summary>
    public RedisKey RegistryKey { get; } = defaultLog.Keys.Prefix + "logs";

    /// <summary>The longest origin, in UTF-8 bytes, a created log may have.</summary>
    public const int MaxOriginBytes = 128;

    private readonly IDatabase _db = redis.GetDatabase();
    private readonly ConcurrentDictionary<string, LogStore> _stores = new(StringComparer.Ordinal) { [defaultLog.Origin] = defaultLog };

    public string DefaultOrigin => defaultLog.Origin;

    /// <summary>
    /// Why <paramref name="origin"/> cannot name a new log, or null. The rules of Anchor:Origin (a signed-note key name: not
    /// empty, no spaces, no '+'), and no braces (its keys' hash tag is <c>{origin}</c>), no control characters, no '%'
    /// (routes carry it in the path), at most <see cref="MaxOriginBytes"/> bytes.
    /// </summary>
    public static string? OriginProblem(string? origin)
    {
        if (!VerifierKey.IsValidName(origin)) return "an origin must be non-empty, with no spaces and no '+'";
        if (origin!.IndexOfAny(['{', '}', '%', '?', '#']) >= 0 || origin.Any(char.IsControl)) return "an origin must not contain '{', '}', '%', '?', '#' or control characters";
        if (origin.StartsWith('/') || origin.EndsWith('/') || origin.Contains("//", StringComparison.Ordinal)) return "an origin must not start or end with '/' or hold an empty segment";
        if (Encoding.UTF8.GetByteCount(origin) > MaxOriginBytes) return $"an origin is at most {MaxOriginBytes} bytes";
        return null;
    }

    /// <summary>The registered log (the default log even when never written to the registry), or null when there is none.</summary>
    public async Task<RegisteredLog?> FindAsync(string origin)
    {
        var value = await _db.HashGetAsync(RegistryKey, origin).ConfigureAwait(false);
        if (!value.IsNull) return RegisteredLog.FromJson(origin, (string)value!);
        return origin == DefaultOrigin ? new RegisteredLog(origin, null) : null;
    }

    /// <summary>Every log, the default first, then by origin.</summary>
    public async Task<List<RegisteredLog>> ListAsync()
    {
        var all = (await _db.HashGetAllAsync(RegistryKey).ConfigureAwait(false))
            .Select(e => RegisteredLog.FromJson((string)e.Name!, (string)e.Value!)).ToDictionary(l => l.Origin, StringComparer.Ordinal);
        all.TryAdd(DefaultOrigin, new RegisteredLog(DefaultOrigin, null));
        return [.. all.Values.OrderBy(l => l.Origin != DefaultOrigin).ThenBy(l => l.Origin, StringComparer.Ordinal)];
    }

    /// <summary>Registers a new open log; false when one of that origin exists (the default log always does). The origin must pass <see cref="OriginProblem"/>.</summary>
    public async Task<bool> CreateAsync(string origin, string createdAt)
    {
        if (OriginProblem(origin) is { } problem) throw new ArgumentException(problem, nameof(origin));
        if (origin == DefaultOrigin) return false;
        return await _db.HashSetAsync(RegistryKey, origin, new RegisteredLog(origin, createdAt).ToJson(), When.NotExists).ConfigureAwait(false);
    }

    /// <summary>
    /// Records <paramref name="origin"/> frozen at <paramref name="size"/>; a log frozen before keeps its first size (the
    /// answer). Only the log's sequencer calls it, once no append is in flight, so the size is the log's last.
    /// </summary>
    public async Task<RegisteredLog> FreezeAsync(string origin, ulong size, string frozenAt)
    {
        var current = await FindAsync(origin).ConfigureAwait(false) ?? throw new InvalidOperationException($"no log '{origin}' is registered");
        if (current.IsFrozen) return current;
        var frozen = current with { FrozenSize = size, FrozenAt = frozenAt };
        await _db.HashSetAsync(RegistryKey, origin, frozen.ToJson()).ConfigureAwait(false);
        return frozen;
    }

    /// <summary>The store of a log; the caller has checked it is registered (<see cref="FindAsync"/>).</summary>
    public LogStore Store(string origin) => _stores.GetOrAdd(origin, open);

    /// <summary>Every registered log's store, frozen ones too (a frozen log's last checkpoint is sealed once more, then it does not grow).</summary>
    public async Task<IReadOnlyList<LogStore>> MembersAsync() => [.. (await ListAsync().ConfigureAwait(false)).Select(l => Store(l.Origin))];
}
