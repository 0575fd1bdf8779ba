using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// What an append waits for after its script ran and before it counts as committed: nothing (the server fsyncs every write
/// before it answers, <c>appendfsync always</c>), <c>WAITAOF</c> (Redis 7.2: the local AOF fsynced, and on
/// <see cref="Replicas"/> replicas), or <c>WAIT</c> for <see cref="Replicas"/> replicas (Redis 7.0: received, not fsynced).
/// </summary>
/// <remarks>
/// WAIT and WAITAOF count the writes of the connection that sends them, and they block it: the appends and their wait go
/// through <see cref="Writer"/>, a connection of their own, so readers never queue behind a slow replica, and each wait is
/// sent in one batch with the write it confirms, so both travel on one socket (after a reconnect a lone WAIT would count
/// nothing and confirm nothing).
/// </remarks>
public sealed record CommitDurability(IConnectionMultiplexer? Writer, bool WaitAof, int Replicas, TimeSpan Timeout)
{
    public static CommitDurability None { get; } = new(null, false, 0, TimeSpan.Zero);

    public bool Waits => WaitAof || Replicas > 0;

    /// <summary>The wait command to send right after a write, in the same batch; null when nothing is waited for.</summary>
    internal Task<RedisResult>? Queue(IBatch batch)
    {
        var timeout = (long)Timeout.TotalMilliseconds;
        if (WaitAof) return batch.ExecuteAsync("WAITAOF", 1, Replicas, timeout);
        return Replicas > 0 ? batch.ExecuteAsync("WAIT", Replicas, timeout) : null;
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
