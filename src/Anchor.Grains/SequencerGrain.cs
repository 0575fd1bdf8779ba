using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Anchor.Grains;

/// <summary>
/// The one writer of a log. Callers wait in a pool; whenever no batch is being written (group commit; the
/// period timer is a backstop) the pool becomes batches of at most PoolSize records, each committed by
/// compare-and-swap of the head, and only then are callers answered (durable before acknowledged). Orleans keeps one activation per log in the cluster; should two ever
/// exist (a partition, a stale silo), the head CAS makes the loser fail its callers instead of forking.
/// While the head lacks a tree the node already published (<see cref="ForkGuard"/>), it refuses every record with
/// <c>log_rolled_back</c> and checks again every <see cref="RecheckRefusalEvery"/>.
/// Keyed by origin: one activation per registered log (<see cref="SequencedLogs"/>), each with its own store, signer and
/// guard; an unknown origin fails the activation. A frozen log (<see cref="Freeze"/>) refuses every record and key event
/// with <c>log_frozen</c>; the freeze is recorded by this grain once no append is in flight, so the size it records is the log's last.
/// </summary>
[Reentrant, Orleans.Placement.PreferLocalPlacement] // Local: the first silo to need the sequencer runs it, without a network hop for its callers.
public sealed partial class SequencerGrain(SequencedLogs logs, TimeProvider time,
    IOptions<SequencerOptions> options, ILogger<SequencerGrain> logger) : Grain, ISequencerGrain
{
    private const int MaxWaitingPools = 8;
    public static readonly TimeSpan RecheckRefusalEvery = TimeSpan.FromSeconds(5);
    // The log this activation sequences, resolved from its key at activation (SequencedLogs).
    private LogStore _store = null!;
    private ForkGuard _guard = null!;
    private LogSequencer _sequencer = null!;
    private RegisteredLog? _frozen;
    private bool _freezing;
    private readonly SequencerOptions _options = options.Value;
    private List<(VerifiedRecord[] Records, TaskCompletionSource<SequencedCall> Done)> _pool = [];
    private List<(KeyEvent[] Events, TaskCompletionSource<ulong[]> Done)> _keyEvents = [];
    private int _pooled;
    private SequencerMetrics _metrics = null!;
    private bool _flushing;
    private string? _problem;
    private string? _refusal;
    private long _refusalCheckedAt;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var origin = this.GetPrimaryKeyString();
        var (log, registered) = await logs.FindAsync(origin)
            ?? throw new InvalidOperationException($"no log '{origin}' is registered in this cluster (POST /v1/admin/logs creates one)");
        (_store, _guard) = (log.Store, log.Guard);
        _sequencer = new LogSequencer(log.Store, log.Signer, log.Guard);
        _metrics = new SequencerMetrics(origin);
        if (registered.IsFrozen) _frozen = registered;
        await TryLoadAsync();
        // KeepAlive: an idle sequencer stays, so the next caller does not wait for a reload.
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(_options.Period, _options.Period) { Interleave = true, KeepAlive = true });
        await base.OnActivateAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // A silo shutting down (or a rebalance) must not strand waiting callers: commit what is pooled,
        // and fail anything still waiting with a retryable error; the next activation serves the retries.
        try { await FlushAsync(); }
        catch (Exception ex) { LogBatchFailed(logger, _pooled, ex.Message); }
        foreach (var (_, done) in _pool) done.TrySetException(new SequencerUnavailableException("the sequencer is moving to another silo; retry the same records"));
        foreach (var (_, done) in _keyEvents) done.TrySetException(new SequencerUnavailableException("the sequencer is moving to another silo; retry"));
        _pool = [];
        _keyEvents = [];
        _pooled = 0;
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task<SequencedCall> Append(VerifiedRecord[] records)
    {
        var done = new TaskCompletionSource<SequencedCall>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (records.Length == 0) return Task.FromResult(new SequencedCall([], null, 0, null, null));
        if (Frozen() is { } frozen) return Task.FromException<SequencedCall>(frozen);
        // The record names a key entry of its provider's log: in any other log that index is another entry.
        if (records.FirstOrDefault(r => (r.Log ?? logs.Set.DefaultOrigin) != _store.Origin) is { } stray)
            return Task.FromException<SequencedCall>(new RecordRefusedException(ErrorCodes.LogMismatch,
                $"provider '{stray.Provider}' submits to log '{stray.Log ?? logs.Set.DefaultOrigin}', not '{_store.Origin}'"));
        if (_refusal is { } refusal) return Task.FromException<SequencedCall>(new SequencerUnavailableException(refusal, ErrorCodes.LogRolledBack));
        // Backpressure: when Redis is slower than the callers, refuse early rather than hold unbounded memory.
        if (_pooled + records.Length > MaxWaitingPools * _options.PoolSize && _pooled > 0)
            return Task.FromException<SequencedCall>(new SequencerUnavailableException($"{_pooled} records are waiting to be sequenced; retry shortly"));
        _pool.Add((records, done));
        _pooled += records.Length;
        // Group commit: an idle sequencer starts a batch at once; while one is being written, callers pool up and
        // the flush loop takes them as soon as it returns. The timer only sweeps what a failed flush left behind.
        if (!_flushing) _ = FlushSoonAsync();
        return done.Task;
    }

    public Task<ulong[]> AppendKeyEvents(KeyEvent[] events)
    {
        if (events.Length == 0) return Task.FromResult<ulong[]>([]);
        if (Frozen() is { } frozen) return Task.FromException<ulong[]>(frozen);
        var done = new TaskCompletionSource<ulong[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _keyEvents.Add((events, done));
        if (!_flushing) _ = FlushSoonAsync();
        return done.Task;
    }

    private RecordRefusedException? Frozen() => _frozen is { } f
        ? new RecordRefusedException(ErrorCodes.LogFrozen, $"log '{_store.Origin}' is frozen at size {f.FrozenSize} since {f.FrozenAt}: it takes no more records; " +
                                                          "its providers move to an open log (POST /v1/admin/providers/{id}/move)")
        : _freezing ? new RecordRefusedException(ErrorCodes.LogFrozen, $"log '{_store.Origin}' is being frozen: it takes no more records") : null;

    public async Task<ulong> Freeze()
    {
        if (_frozen is { } frozen) return frozen.FrozenSize!.Value;
        // From now on nothing joins the pool; what was accepted before is committed first, so the size recorded is the last.
        _freezing = true;
        try
        {
            while (_flushing) await Task.Delay(10);
            await FlushAsync();
            var head = await _store.ReadHeadAsync();
            _frozen = await logs.Set.FreezeAsync(_store.Origin, head.Size, Times.ToText(time.GetUtcNow()));
            LogFrozen(logger, _store.Origin, _frozen.FrozenSize!.Value);
            return _frozen.FrozenSize!.Value;
        }
        finally
        {
            _freezing = false; // Not recorded (Redis failed): the log stays open.
        }
    }

    public Task<SequencerStatus> Status() =>
        Task.FromResult(new SequencerStatus(_sequencer.Head is not null && _refusal is null, _sequencer.Head?.Size ?? 0, _refusal ?? _problem,
            this.RuntimeIdentity, _refusal is null ? null : ErrorCodes.LogRolledBack));

    public async Task<string?> CheckPublished(PublishedTree? tree)
    {
        var (_, problem) = await _guard.CheckAsync(_store.ReadHeadAsync, tree);
        // A problem found here also stops sequencing; one resolved is picked up by the timer's reload (not here, where a
        // batch may be in flight).
        if (problem is not null) Refuse(problem);
        return problem;
    }

    /// <summary>The period timer: sweeps what a failed flush left behind, and while refusing, checks the log again now and then.</summary>
    private async Task TickAsync()
    {
        // A refusing sequencer checks again every RecheckRefusalEvery and resumes once the head is restored; one without a
        // head (Redis was out of reach) reloads at most once per ReloadInterval.
        if (!_flushing && ((_refusal is not null && time.GetElapsedTime(_refusalCheckedAt) >= RecheckRefusalEvery)
            || (_refusal is null && _sequencer.Head is null && time.GetElapsedTime(_lastLoad) >= ReloadInterval)))
            await TryLoadAsync();
        await FlushAsync();
    }

    private void Refuse(string problem)
    {
        _refusal = problem;
        _refusalCheckedAt = time.GetTimestamp();
        // Whatever still waits would only fail at the commit; fail it now, with the reason.
        foreach (var (_, done) in _pool) done.TrySetException(new SequencerUnavailableException(problem, ErrorCodes.LogRolledBack));
        _pool = [];
        _pooled = 0;
    }

    // While the head is unknown (Redis was out of reach when it was last loaded, and Redis calls fail at once then) the
    // timer tries to load it again, at most once a second, so the sequencer reports ready without waiting for a submission.
    private static readonly TimeSpan ReloadInterval = TimeSpan.FromSeconds(1);
    private long _lastLoad;

    /// <summary>Lets the caller's turn end first, so calls arriving in the same instant join one batch.</summary>
    private async Task FlushSoonAsync()
    {
        await Task.Yield();
        await FlushAsync();
    }

    private async Task FlushAsync()
    {
        if (_flushing) return;
        _flushing = true;
        try
        {
            while (_pool.Count > 0 || _keyEvents.Count > 0)
            {
                // Key events go first, in a commit of their own: a revocation is in the log before any record pooled
                // after it is sequenced, and the sequencer refuses those under the revoked key.
                if (_keyEvents.Count > 0)
                {
                    var events = _keyEvents;
                    _keyEvents = [];
                    await CommitKeyEventsAsync(events);
                    continue;
                }
                // Whole calls only: a provider batch never spans two log batches.
                var take = new List<(VerifiedRecord[] Records, TaskCompletionSource<SequencedCall> Done)>();
                var count = 0;
                while (_pool.Count > 0 && (count == 0 || count + _pool[0].Records.Length <= _options.PoolSize))
                {
                    count += _pool[0].Records.Length;
                    take.Add(_pool[0]);
                    _pool.RemoveAt(0);
                }
                _pooled -= count;
                await CommitAsync(take, count);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task CommitAsync(List<(VerifiedRecord[] Records, TaskCompletionSource<SequencedCall> Done)> take, int count)
    {
        var started = _metrics.CommitStarted();
        try
        {
            if (_sequencer.Head is null) await _sequencer.LoadAsync();
            var results = await _sequencer.SequenceAsync([.. take.Select(t => t.Records)]);
            _problem = null;
            for (var i = 0; i < take.Count; i++) take[i].Done.SetResult(results[i]);
            _metrics.Committed(started, count);
            LogCommitted(logger, count, _sequencer.Head!.Size);
        }
        catch (LogRolledBackException ex)
        {
            Refuse(ex.Message);
            _metrics.CommitFailed();
            foreach (var (_, done) in take) done.SetException(new SequencerUnavailableException(ex.Message, ErrorCodes.LogRolledBack));
        }
        catch (Exception ex)
        {
            var failure = ex as SequencerUnavailableException ?? new SequencerUnavailableException($"the sequencer failed: {ex.Message}");
            _problem = failure.Detail;
            _metrics.CommitFailed();
            LogBatchFailed(logger, count, failure.Detail);
            foreach (var (_, done) in take) done.SetException(failure);
            await TryLoadAsync();
        }
    }

    private async Task CommitKeyEventsAsync(List<(KeyEvent[] Events, TaskCompletionSource<ulong[]> Done)> take)
    {
        try
        {
            if (_sequencer.Head is null) await _sequencer.LoadAsync();
            var indices = await _sequencer.AppendKeyEventsAsync([.. take.SelectMany(t => t.Events)]);
            _problem = null;
            var at = 0;
            foreach (var (events, done) in take)
            {
                done.SetResult(indices[at..(at + events.Length)]);
                at += events.Length;
            }
        }
        catch (Exception ex)
        {
            var failure = ex as SequencerUnavailableException ?? new SequencerUnavailableException($"the sequencer failed: {ex.Message}");
            _problem = failure.Detail;
            LogBatchFailed(logger, take.Sum(t => t.Events.Length), failure.Detail);
            foreach (var (_, done) in take) done.SetException(failure);
            await TryLoadAsync();
        }
    }

    private async Task TryLoadAsync()
    {
        _lastLoad = time.GetTimestamp();
        try
        {
            var head = await _sequencer.LoadAsync();
            _problem = null;
            _refusal = null;
            LogLoaded(logger, _store.Origin, head.Size);
        }
        catch (LogRolledBackException ex)
        {
            // ForkGuard logged it; the callers get it as log_rolled_back.
            Refuse(ex.Message);
        }
        catch (Exception ex)
        {
            _problem = $"cannot load the log head: {ex.Message}";
            LogLoadFailed(logger, ex, _store.Origin);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log {Origin} is frozen at size {Size}: it takes no more records")]
    private static partial void LogFrozen(ILogger logger, string origin, ulong size);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Committed {Count} records; log size {Size}")]
    private static partial void LogCommitted(ILogger logger, int count, ulong size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} records did not commit: {Reason}")]
    private static partial void LogBatchFailed(ILogger logger, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sequencer of {Origin} loaded the head at size {Size}")]
    private static partial void LogLoaded(ILogger logger, string origin, ulong size);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sequencer of {Origin} cannot load the log head")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string origin);
}
