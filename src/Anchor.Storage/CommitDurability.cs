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
/// nothing of this write and answers at once with every replica; and while the slot's primary is unreachable it routes
/// even a keyed command to any connected primary. So both go through <see cref="IServer"/> of one primary, the one the
/// multiplexer's slot map names for the written key (its one interactive connection): the write with
/// <see cref="CommandFlags.NoRedirect"/>, so that a server that no longer holds the slot fails it with MOVED (which still
/// updates the slot map for the next try) instead of passing it on to a server the wait does not ask.
/// </remarks>
public sealed record CommitDurability(IConnectionMultiplexer? Writer, bool WaitAof, int Replicas, TimeSpan Timeout)
{
    public static CommitDurability None { get; } = new(null, false, 0, TimeSpan.Zero);

    public bool Waits => WaitAof || Replicas > 0;

    /// <summary>
    /// Sends <paramref name="commands"/> (commands of <paramref name="key"/>'s slot whose arguments name every key they
    /// touch) and then the wait, all to the primary that holds that slot, in this order on its one connection. Call only
    /// when <see cref="Waits"/>.
    /// </summary>
    internal (Task<RedisResult>[] Commands, Task<RedisResult> Wait) Send(RedisKey key, params (string Command, object[] Args)[] commands)
    {
        var primary = Writer!.GetServer(key, flags: CommandFlags.DemandMaster);
        if (!primary.IsConnected || primary.IsReplica)
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"no connected primary holds the slot of {key}");
        var sent = commands.Select(c => primary.ExecuteAsync(c.Command, c.Args, CommandFlags.NoRedirect)).ToArray();
        var timeout = (long)Timeout.TotalMilliseconds;
        var wait = WaitAof ? primary.ExecuteAsync("WAITAOF", 1, Replicas, timeout) : primary.ExecuteAsync("WAIT", Replicas, timeout);
        return (sent, wait);
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
