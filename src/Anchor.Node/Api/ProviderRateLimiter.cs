using System.Threading.RateLimiting;
using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>
/// A token bucket per provider id. The provider is named inside the signed JSON body, which the
/// rate-limiting middleware runs before; so the evidence handlers ask this partitioned limiter
/// (System.Threading.RateLimiting, the engine of ASP.NET Core rate limiting) once they know the provider.
/// </summary>
public sealed class ProviderRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public ProviderRateLimiter(Microsoft.Extensions.Options.IOptions<AnchorOptions> options)
    {
        var settings = options.Value.RateLimit;
        _limiter = PartitionedRateLimiter.Create<string, string>(provider => RateLimitPartition.GetTokenBucketLimiter(provider, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = settings.Burst,
                TokensPerPeriod = settings.PermitsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    public void Acquire(HttpContext context, string provider)
    {
        using var lease = _limiter.AttemptAcquire(provider);
        if (lease.IsAcquired) return;
        context.Response.Headers.RetryAfter = "1";
        throw new ProblemException(ErrorCodes.RateLimited, $"provider '{provider}' sends faster than this node accepts; retry after a second");
    }

    public void Dispose() => _limiter.Dispose();
}
