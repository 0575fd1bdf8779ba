using System.Net.Sockets;
using Nethereum.JsonRpc.Client;

namespace Anchor.Chain;

/// <summary>Bounded exponential backoff for RPC calls whose endpoint can't be reached.</summary>
/// <remarks>
/// Only transport failures are retried: an answer from the node (an RPC error, a revert) is final.
/// Every call retried here must be idempotent; sending a signed raw transaction is (same bytes, same hash).
/// </remarks>
internal sealed class RpcRetry(ChainTarget target, Action<int, TimeSpan, Exception>? onRetry = null)
{
    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                return await call().WaitAsync(ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsTransport(e))
            {
                if (attempt >= Math.Max(1, target.RpcAttempts)) throw new RpcUnreachableException(target.Name, attempt, Innermost(e));
                var delay = Delay(attempt);
                onRetry?.Invoke(attempt, delay, e);
                await Task.Delay(delay, ct);
            }
        }
    }

    /// <summary>backoff · 2^(attempt-1), capped.</summary>
    private TimeSpan Delay(int attempt)
    {
        var ticks = target.RpcBackoff.Ticks * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(ticks, target.RpcMaxBackoff.Ticks));
    }

    private static bool IsTransport(Exception e) => e switch
    {
        RpcClientUnknownException or RpcClientTimeoutException or HttpRequestException or SocketException or TimeoutException => true,
        TaskCanceledException => true, // HttpClient's own timeout
        IOException => true,
        _ => false,
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
