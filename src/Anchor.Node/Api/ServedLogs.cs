using System.Collections.Concurrent;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Node.Anchoring;
using Anchor.Node.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>One log as the routes read it: its registry state, its store, its signer and its proof bundles.</summary>
public sealed record ServedLog(RegisteredLog Registered, LogStore Store, NoteSigner Signer, ProofBundles Bundles);

/// <summary>
/// The logs of the cluster as the HTTP routes read them. With a root log, every log's bundles are sealed through it (the
/// root log's anchors and tokens, and the root step); without one the node has one log, whose bundles its own chains and
/// TSAs seal. An unknown origin is <c>404 log_unknown</c>.
/// </summary>
public sealed class ServedLogs(SequencedLogs logs, ProofBundles defaultBundles, StackExchange.Redis.IConnectionMultiplexer redis,
    IOptions<AnchoringOptions> anchoring, TimeProvider time, SealedLog sealedLog, ILogAnchors rootAnchors, RecordedTimestamps rootTimestamps,
    RootLogIndex? rootIndex = null)
{
    private readonly ConcurrentDictionary<string, ProofBundles> _bundles = new(StringComparer.Ordinal) { [logs.Set.DefaultOrigin] = defaultBundles };

    public LogSet Set => logs.Set;

    public async Task<ServedLog> GetAsync(string origin)
    {
        var registered = await logs.Set.FindAsync(origin)
            ?? throw new ProblemException(ErrorCodes.LogUnknown, $"no log '{Problem.Short(origin)}' is registered in this cluster", StatusCodes.Status404NotFound);
        var log = logs.Get(origin);
        var bundles = _bundles.GetOrAdd(origin, o => Bundles(o, log));
        return new ServedLog(registered, log.Store, log.Signer, bundles);
    }

    /// <summary>
    /// A log's bundles: with a root log, sealed through it like the default log's (the root log's anchors and tokens, and
    /// the root step); without one, from the log's own anchor and time-stamp records, which nothing writes.
    /// </summary>
    private ProofBundles Bundles(string origin, SequencedLog log) => sealedLog.Rooted
        ? new ProofBundles(log.Store, log.Signer, rootAnchors, rootTimestamps, time, sealedLog, rootIndex)
        : new ProofBundles(log.Store, log.Signer, new RecordedAnchors(new AnchorStore(redis, origin), anchoring),
            new RecordedTimestamps(new TimestampStore(redis, origin), time), time, new SealedLog(log.Store, log.Signer, null));

    /// <summary>The log a provider belongs to: from its description, the default log for one registered before logs were many.</summary>
    public async Task<ServedLog> OfProviderAsync(IGrainFactory grains, string provider) =>
        await GetAsync(await grains.GetGrain<IProviderGrain>(provider).Describe() is { Log: { } log } ? log : logs.Set.DefaultOrigin);

    /// <summary>
    /// Splits a path below <c>/v1/logs/</c> into a registered origin and the rest. Origins may hold '/', so the longest
    /// registered one that the path starts with, followed by '/', wins; the whole path names the log itself. Null when none does.
    /// </summary>
    public async Task<(string Origin, string Tail)?> SplitAsync(string path)
    {
        // No origin is longer than this: a long path costs no more registry reads than a short one.
        var longest = Math.Max(LogSet.MaxOriginBytes, logs.Set.DefaultOrigin.Length);
        if (path.Length <= longest && await logs.Set.FindAsync(path) is not null) return (path, "");
        for (var at = path.LastIndexOf('/'); at > 0; at = path.LastIndexOf('/', at - 1))
            if (at <= longest && await logs.Set.FindAsync(path[..at]) is not null) return (path[..at], path[(at + 1)..]);
        return null;
    }
}
