using System.Collections.Concurrent;
using Anchor.Core.Checkpoints;
using Anchor.Storage;

namespace Anchor.Grains;

/// <summary>What one log's sequencer needs: its store, its signer (the node's log key under the log's origin) and its fork guard.</summary>
public sealed record SequencedLog(LogStore Store, NoteSigner Signer, ForkGuard Guard);

/// <summary>
/// One per silo: the logs of the cluster (<see cref="LogSet"/>) with what their sequencers need, made on first use and
/// kept. The default log's are the ones the node built at start (its witness keeps today's path); every other log gets
/// its own signer, witness and fork guard from <paramref name="open"/>.
/// </summary>
public sealed class SequencedLogs(LogSet logs, SequencedLog defaultLog, Func<string, SequencedLog> open)
{
    private readonly ConcurrentDictionary<string, SequencedLog> _logs = new(StringComparer.Ordinal) { [defaultLog.Store.Origin] = defaultLog };

    public LogSet Set => logs;

    /// <summary>The log and its registry state, or null when no log of that origin is registered.</summary>
    public async Task<(SequencedLog Log, RegisteredLog Registered)?> FindAsync(string origin) =>
        await logs.FindAsync(origin).ConfigureAwait(false) is { } registered ? (Get(origin), registered) : null;

    /// <summary>The log of a registered origin (the caller checked it, <see cref="FindAsync"/>).</summary>
    public SequencedLog Get(string origin) => _logs.GetOrAdd(origin, open);
}
