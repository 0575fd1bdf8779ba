using System.Threading.RateLimiting;
using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>
/// A token bucket per provider id, charged only for requests whose signature verified: a request that names a
/// provider without its key must not spend that provider's allowance (anyone could then lock it out). The provider
/// is named inside the signed JSON body, which ASP.NET Core's rate-limiting middleware runs before, so the evidence
/// handlers ask this partitioned limiter (System.Threading.RateLimiting, the engine of that middleware) once the
/// verifier grain accepted the signature. Only registered providers get that far, so partitions are bounded by them.
/// Unsigned floods are held back by <see cref="ClientRateLimit"/>, per client address.
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

    /// <summary>Takes one token of <paramref name="provider"/>, whose signature the caller has verified; 429 when its bucket is empty.</summary>
    public void Acquire(HttpContext context, string provider)
    {
        using var lease = _limiter.AttemptAcquire(provider);
        if (lease.IsAcquired) return;
        context.Response.Headers.RetryAfter = "1";
        throw new ProblemException(ErrorCodes.RateLimited, $"provider '{provider}' sends faster than this node accepts; retry after a second");
    }

    public void Dispose() => _limiter.Dispose();
}
