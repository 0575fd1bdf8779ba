using Anchor.Grains.Anchoring;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>
/// Starts each chain's anchor grain once the silo is up. Every silo does this; Start is idempotent, and
/// the reminder it registers revives the grain wherever Orleans places it, also after this silo is gone.
/// </summary>
public sealed partial class AnchoringStarter(IGrainFactory grains, IOptions<AnchoringOptions> options, ILogger<AnchoringStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var chain in options.Value.Chains)
        {
            for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await grains.GetGrain<IChainAnchorGrain>(chain.Name).Start();
                    LogStarted(logger, chain.Name, chain.ChainId);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    if (attempt % 10 == 1) LogRetry(logger, chain.Name, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Anchoring on {Chain} (chain ID {ChainId}) started")]
    private static partial void LogStarted(ILogger logger, string chain, ulong chainId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anchoring on {Chain} could not start yet, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string chain, string reason);
}
