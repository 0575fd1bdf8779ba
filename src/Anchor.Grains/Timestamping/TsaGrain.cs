using Anchor.Core.Records;
using Anchor.Core.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Anchor.Grains.Timestamping;

/// <summary>
/// Asks one TSA for an RFC 3161 time-stamp of each round's seal, the checkpoint every TSA and chain of the round seals
/// (<see cref="SealStore"/>). A reminder (persisted in Redis) brings the grain back on another silo after a silo is
/// lost; a grain timer runs the rounds, one per interval, never overlapping. Each round:
/// 1. takes the checkpoint this TSA still owes (pending), else the round's seal if it is larger than the last one stamped;
/// 2. records it as pending before asking, so a TSA that is down gets the same checkpoint again in later rounds;
/// 3. asks the TSA (retrying an unreachable one with backoff) and keeps the token only if every check passed
///    (<see cref="TsaQuery.Accept"/>), stored with the kept checkpoint; then clears pending.
/// TSAs and chains fail independently: a TSA that is down only fails its rounds, and the log keeps sequencing.
/// </summary>
public sealed partial class TsaGrain(Anchoring.SealedLog sealedLog, SealStore seals, TimestampStore stamps, IOptions<TimestampingOptions> options,
    TimeProvider time, ILoggerFactory loggers) : Grain, ITsaGrain, IRemindable
{
    private const string ReminderName = "timestamp";
    private readonly ILogger _logger = loggers.CreateLogger<TsaGrain>();
    private TsaTarget _target = null!;
    private HttpClient? _http;
    private TimestampingRound? _last;

    private string Tsa => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _target = options.Value.Tsas.FirstOrDefault(t => t.Name == Tsa)
            ?? throw new InvalidOperationException($"no TSA named '{Tsa}' is configured");
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = 1 << 20 };
        _last = await stamps.ReadStatusAsync(Tsa) is { } json ? TimestampingRound.FromJson(json) : null;
        this.RegisterGrainTimer(ct => RoundAsync(ct), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), options.Value.Interval) { Interleave = false, KeepAlive = true });
        await base.OnActivateAsync(cancellationToken);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _http?.Dispose();
        _http = null;
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public async Task Start() =>
        // Orleans' minimum reminder period is one minute; the timer does the rounds, the reminder only revives the grain.
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask; // Activation starts the timer.

    public async Task<ulong> StampNow()
    {
        await RoundAsync(CancellationToken.None);
        return _last?.LastSize ?? 0;
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        var lastSize = _last?.LastSize ?? 0;
        var lastGenTime = _last?.LastGenTime;
        ulong? pending = null;
        try
        {
            pending = await stamps.ReadPendingAsync(Tsa);
            var checkpoint = pending is { } owed ? await sealedLog.Log.ReadKeptCheckpointAsync(owed) : null;
            if (checkpoint is null)
            {
                // Nothing owed, or its kept checkpoint is gone (a restored backup): this round's seal, if it is new.
                if (pending is not null) await stamps.ClearPendingAsync(Tsa);
                var seal = await seals.CurrentAsync(await sealedLog.HeadAsync(GrainFactory), options.Value.Interval);
                if (seal is null || seal.Size <= lastSize)
                {
                    await SaveRoundAsync(new TimestampingRound("ok", lastSize, lastGenTime, null, null, null, Now()));
                    return;
                }
                (pending, checkpoint) = (seal.Size, seal.Checkpoint!);
                await stamps.SavePendingAsync(Tsa, seal.Size);
            }

            var size = pending!.Value;
            var token = await new TsaClient(_http!, _target).StampAsync(TsaHashAlg.CheckpointImprint(_target.HashAlg, checkpoint), ct);
            var genTime = Times.ToText(token.GenTime);
            var stamp = new TsaTimestamp(Tsa, _target.HashAlg, Convert.ToBase64String(token.Der));
            await stamps.SaveAsync(size, Tsa, new StoredTimestamp(size, stamp, genTime, Now()).ToJson());
            await stamps.ClearPendingAsync(Tsa);
            TimestampingMetrics.TokenStored(Tsa);
            LogStamped(_logger, Tsa, size, genTime, token.Serial);
            if (size >= lastSize) (lastSize, lastGenTime) = (size, genTime);
            await SaveRoundAsync(new TimestampingRound("ok", lastSize, lastGenTime, null, null, null, Now()));
        }
        catch (LogRolledBackException e)
        {
            // The root log lacks a tree it published (ForkGuard): nothing is sealed until an operator restores it.
            LogRoundFailed(_logger, Tsa, "rolled_back", e.Message);
            await SaveRoundAsync(new TimestampingRound("error", lastSize, lastGenTime, pending, e.Message, "rolled_back", Now()));
        }
        catch (TsaException e)
        {
            LogRoundFailed(_logger, Tsa, TsaException.Label(e.Reason), e.Message);
            await SaveRoundAsync(new TimestampingRound(e.Reason == TsaFailure.Unreachable ? "down" : "error", lastSize, lastGenTime, pending, e.Message,
                TsaException.Label(e.Reason), Now()));
        }
    }

    private async Task SaveRoundAsync(TimestampingRound round)
    {
        _last = round;
        await stamps.SaveStatusAsync(Tsa, round.ToJson());
    }

    private string Now() => Times.ToText(time.GetUtcNow());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Time-stamping round at {Tsa} failed ({Reason}): {Detail}")]
    private static partial void LogRoundFailed(ILogger logger, string tsa, string reason, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Time-stamped size {Size} at {Tsa}: genTime {GenTime}, serial {Serial}")]
    private static partial void LogStamped(ILogger logger, string tsa, ulong size, string genTime, string serial);
}
