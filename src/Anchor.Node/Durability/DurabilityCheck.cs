using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Durability;

/// <summary>
/// Decides at start how an append becomes durable on this Redis, or refuses to start. Durable (the default) needs a
/// write fsynced before it is acknowledged: <c>appendfsync always</c> (Redis fsyncs the AOF before it sends the replies
/// of each event-loop turn), or <c>WAITAOF</c> after each append (Redis 7.2+, whatever appendfsync says), or, when
/// CONFIG is refused and WAITAOF is missing, the operator's word (<c>Anchor:Redis:AssertDurable</c>). Relaxed accepts
/// <c>everysec</c>, for benchmarks only. Replicas (<c>Anchor:Redis:Replicas</c>) add a wait for N of them.
/// </summary>
public static class DurabilityCheck
{
    /// <summary>The commit durability for <see cref="LogStore"/> and the status to report; throws <see cref="NodeStartupException"/> with the fix.</summary>
    /// <param name="writer">Connects the connection that appends and waits; called only when a wait is needed.</param>
    public static (CommitDurability Commit, DurabilityStatus Status) Decide(AnchorOptions options, RedisPersistence server, Func<IConnectionMultiplexer> writer)
    {
        var redis = options.Redis;
        var relaxedAllowed = options.Durability == DurabilityMode.Relaxed || redis.Throwaway;
        var warnings = new List<string>();
        string mode, guarantee;
        var waitAof = false;
        var watchFsync = false;
        if (server.ConfigError is not null)
        {
            if (server.HasWaitAof)
            {
                // WAITAOF answers for itself: it fails unless the AOF is on, and counts only fsynced writes.
                (mode, guarantee, waitAof) = ("durable", "WAITAOF after every append (CONFIG is not available)", true);
            }
            else if (redis.AssertDurable)
            {
                (mode, guarantee) = ("durable", "asserted by Anchor:Redis:AssertDurable (CONFIG is not available to check it)");
                warnings.Add($"{server.Where} refused CONFIG GET ({server.ConfigError}); the node relies on Anchor:Redis:AssertDurable that every write is fsynced before Redis answers");
            }
            else if (relaxedAllowed)
            {
                (mode, guarantee) = ("relaxed", "unknown (CONFIG is not available)");
                warnings.Add($"{server.Where} refused CONFIG GET ({server.ConfigError}): its persistence is unknown, and Anchor:Durability is Relaxed");
            }
            else
            {
                throw new NodeStartupException(
                    $"cannot read Redis persistence settings ({server.Where}: CONFIG GET appendonly: {server.ConfigError}), and Redis {server.Version} has no WAITAOF (7.2+) to check each write. " +
                    "If your Redis provider fsyncs every write before it answers (appendonly yes, appendfsync always), set Anchor:Redis:AssertDurable=true; " +
                    "for a benchmark, Anchor:Durability=Relaxed.");
            }
        }
        else if (server.AppendOnly != true)
        {
            if (!redis.Throwaway)
                throw new NodeStartupException(
                    $"{server.Where} has no append-only file (CONFIG GET appendonly is 'no'), so acknowledged entries would be lost on a restart. " +
                    "Start Redis with `redis-server --appendonly yes --appendfsync always`, or run `redis-cli CONFIG SET appendonly yes` and " +
                    "`CONFIG SET appendfsync always` (and `CONFIG REWRITE` to keep them); for a throwaway test instance set Anchor:Redis:Throwaway=true.");
            (mode, guarantee) = ("throwaway", "none (no append-only file)");
            warnings.Add("Redis has no append-only file and Anchor:Redis:Throwaway is set: this log may lose everything on restart");
        }
        else if (server.FsyncsEveryWrite)
        {
            (mode, guarantee, watchFsync) = ("durable", "appendfsync always", true);
        }
        else if (server.HasWaitAof)
        {
            (mode, guarantee, waitAof) = ("durable", $"WAITAOF after every append (appendfsync {server.AppendFsync})", true);
        }
        else if (relaxedAllowed)
        {
            (mode, guarantee) = ("relaxed", $"appendfsync {server.AppendFsync}: records acknowledged in the last second before a power loss can be lost; the node then refuses to sequence");
            warnings.Add($"Anchor:Durability is Relaxed and Redis fsyncs only '{server.AppendFsync}': for benchmarks only, never for evidence that must last");
        }
        else
        {
            throw new NodeStartupException(
                $"{server.Where} fsyncs its append-only file '{server.AppendFsync}', not before each answer, so a power loss can lose records the node already acknowledged. " +
                "Run Redis with `appendfsync always` (`redis-server --appendonly yes --appendfsync always`, or `redis-cli CONFIG SET appendfsync always` and `CONFIG REWRITE`); " +
                $"Redis 7.2+ may keep everysec, the node then waits for WAITAOF (this one is {server.Version}). For a benchmark only: Anchor:Durability=Relaxed.");
        }

        if (redis.Replicas > 0 && server.ConnectedReplicas < redis.Replicas)
            warnings.Add($"Anchor:Redis:Replicas is {redis.Replicas} but {server.ConnectedReplicas} replica(s) are connected: appends are not acknowledged until enough are");
        // Replicas on 7.2+: WAITAOF also counts their fsync, not only their receipt.
        waitAof |= redis.Replicas > 0 && server.HasWaitAof;
        var timeout = TimeSpan.FromMilliseconds(redis.ReplicaTimeoutMilliseconds);
        var commit = waitAof || redis.Replicas > 0 ? new CommitDurability(writer(), waitAof, redis.Replicas, timeout) : CommitDurability.None;
        if (redis.Replicas > 0)
            guarantee += waitAof ? $"; WAITAOF for {redis.Replicas} replica(s)" : $"; WAIT for {redis.Replicas} replica(s) (received, not fsynced: Redis {server.Version} has no WAITAOF)";
        return (commit, new DurabilityStatus(mode, guarantee, redis.Replicas, warnings, watchFsync));
    }
}
