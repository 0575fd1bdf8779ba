using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What an append waits for after its script ran and before it counts as committed: nothing (the server fsyncs every write
/// before it answers, <c>appendfsync always</c>), <c>WAITAOF</c> (Redis 7.2: the local AOF fsynced, and on
/// <see cref="Replicas"/> replicas), or <c>WAIT</c> for <see cref="Replicas"/> replicas (Redis 7.0: received, not fsynced).
/// </summary>
/// <remarks>
/// WAIT and WAITAOF count the writes of the connection that sends them, and they block it: the appends and their wait go
/// through <see cref="Writer"/>, a connection of their own, so readers never queue behind a slow replica. Each wait goes
/// right after the write it confirms, on the same socket (after a reconnect a lone WAIT would count nothing and confirm
/// nothing). Under Redis Cluster the wait has no key, so StackExchange.Redis would send it to any primary, where it counts
/// nothing of this write and answers at once: it is sent instead through <see cref="IServer"/> of the primary that owns the
/// written key's slot (the multiplexer's one interactive connection to that server, which the batch used too), and the
/// write carries <see cref="CommandFlags.NoRedirect"/>, so that a slot that moved in between fails the write (MOVED still
/// updates the slot map for the next try) instead of running it on a server the wait does not ask.
/// </remarks>
public sealed record CommitDurability(IConnectionMultiplexer? Writer, bool WaitAof, int Replicas, TimeSpan Timeout)
{
    public static CommitDurability None { get; } = new(null, false, 0, TimeSpan.Zero);

    public bool Waits => WaitAof || Replicas > 0;

    /// <summary>Flags for the write a wait confirms: it must run where <see cref="Send"/> sends the wait, or fail.</summary>
    internal CommandFlags WriteFlags => Waits ? CommandFlags.NoRedirect : CommandFlags.None;

    /// <summary>
    /// Sends <paramref name="batch"/>, a write to <paramref name="key"/>'s slot, and then the wait on the same connection to
    /// the primary that owns that slot; null when nothing is waited for.
    /// </summary>
    internal Task<RedisResult>? Send(IBatch batch, RedisKey key)
    {
        if (!Waits)
        {
            batch.Execute();
            return null;
        }
        IServer primary;
        try
        {
            primary = Writer!.GetServer(key, flags: CommandFlags.DemandMaster);
        }
        catch (InvalidOperationException ex)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "no connected primary holds the log's slot: " + ex.Message);
        }
        batch.Execute();
        var timeout = (long)Timeout.TotalMilliseconds;
        return WaitAof ? primary.ExecuteAsync("WAITAOF", 1, Replicas, timeout) : primary.ExecuteAsync("WAIT", Replicas, timeout);
    }

    /// <summary>Throws <see cref="NotDurableException"/> unless the wait's answer shows the write where it must be.</summary>
    internal void Check(RedisResult answer)
    {
        if (WaitAof)
        {
            var counts = (long[])answer!;
            if (counts[0] < 1) throw new NotDurableException("WAITAOF: the write was not fsynced to the local AOF in time");
            if (counts[1] < Replicas) throw new NotDurableException($"WAITAOF: the write reached the AOF of {counts[1]} of the {Replicas} replicas required within {Timeout.TotalMilliseconds} ms");
            return;
        }
        var acknowledged = (long)answer;
        if (acknowledged < Replicas) throw new NotDurableException($"WAIT: {acknowledged} of the {Replicas} replicas required acknowledged the write within {Timeout.TotalMilliseconds} ms");
    }
}

/// <summary>A write reached Redis but not everywhere <see cref="CommitDurability"/> requires: it must not be acknowledged yet.</summary>
public sealed class NotDurableException(string message) : Exception(message);
