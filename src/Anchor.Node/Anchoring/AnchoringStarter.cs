using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>
/// Starts each chain's anchor grain and each TSA's time-stamping grain once the silo is up. Every silo does this;
/// Start is idempotent, and the reminder it registers revives the grain wherever Orleans places it, also after this
/// silo is gone.
/// </summary>
/// <remarks>
/// It waits until the host has started, the silo included: a hosted service registered before UseOrleans starts before
/// the silo does, and a grain call then finds no silo in the cluster manifest that hosts the grain type yet. Orleans
/// answers that with "No active nodes are compatible with grain chainanchor" and logs each placement attempt as a
/// `fail:` with a stack trace (Orleans.Messaging, and Polly's placement retry), though the retry below then succeeds.
/// </remarks>
public sealed partial class AnchoringStarter(IGrainFactory grains, IOptions<AnchoringOptions> options, IOptions<TimestampingOptions> timestamping,
    IHostApplicationLifetime lifetime, ILogger<AnchoringStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        foreach (var chain in options.Value.Chains)
            await StartAsync(() => grains.GetGrain<IChainAnchorGrain>(chain.Name).Start(), $"Anchoring on {chain.Name} (chain ID {chain.ChainId})", stoppingToken);
        foreach (var tsa in timestamping.Value.Tsas)
            await StartAsync(() => grains.GetGrain<ITsaGrain>(tsa.Name).Start(), $"Time-stamping at {tsa.Name} ({tsa.Url}, {tsa.HashAlg})", stoppingToken);
    }

    private async Task StartAsync(Func<Task> start, string what, CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await start();
                LogStarted(logger, what);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (attempt % 10 == 1) LogRetry(logger, what, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{What} started")]
    private static partial void LogStarted(ILogger logger, string what);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{What} could not start yet, retrying: {Reason}")]
    private static partial void LogRetry(ILogger logger, string what, string reason);
}
