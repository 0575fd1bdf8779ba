using Anchor.Node.Anchoring;
using Anchor.Node.Timestamping;
using StackExchange.Redis;

namespace Anchor.Node.Observability;

/// <summary>
/// Samples what observable gauges report (Redis round trip, anchoring and time-stamping status) every few seconds in the
/// background: a scrape must not wait on Redis or a chain RPC, and gauge callbacks cannot be async. Re-reads Redis
/// persistence at the same pace (<see cref="Durability.DurabilityStatus.Recheck"/>).
/// </summary>
public sealed partial class NodeProbes(IConnectionMultiplexer redis, IServiceProvider services, Durability.DurabilityStatus durability,
    ILogger<NodeProbes> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public double? RedisLatencySeconds { get; private set; }
    public IReadOnlyList<ChainStatus> Chains { get; private set; } = [];
    public IReadOnlyList<TsaStatus> Tsas { get; private set; } = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Registered by anchoring when chains are configured; without it there is nothing to report per chain.
        var anchoring = services.GetService<IAnchoringStatus>();
        var timestamping = services.GetService<TimestampingStatus>();
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                RedisLatencySeconds = (await redis.GetDatabase().PingAsync()).TotalSeconds;
                // Durability checked at start must still hold (someone may run CONFIG SET appendfsync everysec, or restart Redis
                // with another configuration); /healthz reports it if not.
                var before = durability.Problem;
                durability.Recheck(await Anchor.Storage.RedisPersistence.ReadAsync(redis));
                if (durability.Problem is { } problem && problem != before) LogDurabilityLost(logger, problem);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                RedisLatencySeconds = null;
                LogProbeFailed(logger, "Redis", ex.GetType().Name);
            }
            if (anchoring is not null)
            {
                try
                {
                    Chains = await anchoring.ChainsAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogProbeFailed(logger, "anchoring status", ex.GetType().Name);
                }
            }
            if (timestamping is not null)
            {
                try
                {
                    Tsas = await timestamping.TsasAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogProbeFailed(logger, "time-stamping status", ex.GetType().Name);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Durability: {Problem}")]
    private static partial void LogDurabilityLost(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Metrics probe of {Target} failed: {Failure}")]
    private static partial void LogProbeFailed(ILogger logger, string target, string failure);
}
