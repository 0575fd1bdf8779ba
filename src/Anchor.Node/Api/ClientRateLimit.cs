using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Anchor.Core.Records;
using Microsoft.AspNetCore.RateLimiting;

namespace Anchor.Node.Api;

/// <summary>
/// ASP.NET Core's rate limiting middleware as the node uses it: one token bucket per client address on every public
/// route, reads included, before anything else is done for the request. The operator listener is not limited.
/// It sees the address of the TCP peer: behind a reverse proxy every client is the proxy, so limit there instead.
/// </summary>
public static class ClientRateLimit
{
    public static void Add(IServiceCollection services, AnchorOptions options)
    {
        var settings = options.RateLimit;
        var operatorPort = options.Http.OperatorPort;
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                OperatorListener.IsOperator(context, operatorPort)
                    ? RateLimitPartition.GetNoLimiter("operator")
                    : RateLimitPartition.GetTokenBucketLimiter(Client(context.Connection.RemoteIpAddress), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = settings.ClientBurst,
                        TokensPerPeriod = settings.ClientPermitsPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = Reject;
        });
    }

    private static async ValueTask Reject(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Items[Observability.SubmissionMetrics.ProblemCodeItem] = ErrorCodes.RateLimited;
        await Problem.Result(ErrorCodes.RateLimited, "this client address sends faster than this node accepts; retry later").ExecuteAsync(context);
    }

    /// <summary>The partition of a client: its IPv4 address, or the /64 of its IPv6 address (one host usually holds a whole /64).</summary>
    public static string Client(IPAddress? address)
    {
        if (address is null) return "";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
