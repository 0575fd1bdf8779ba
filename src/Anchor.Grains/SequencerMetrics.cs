using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Anchor.Grains;

/// <summary>
/// Instruments of the sequencers, on the meter <c>Anchor.Sequencer</c>, tagged with the log (<c>log</c> = its origin): how
/// many records each committed batch held, how long the commit took, and the time between consecutive commits of that log
/// (the real sequencing period, which stretches when Redis is slow or the pool is empty). One instance per sequencer.
/// </summary>
public sealed class SequencerMetrics(string origin)
{
    public const string MeterName = "Anchor.Sequencer";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>("anchor.sequencer.batch.size", "{record}", "Records per committed batch",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 50, 100, 500, 1000, 5000, 10000, 50000] });
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram<double>("anchor.sequencer.commit.duration", "s", "Sequencing and committing one batch");
    private static readonly Histogram<double> Period = Meter.CreateHistogram<double>("anchor.sequencer.period", "s", "Time between the starts of consecutive commits");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("anchor.sequencer.batches.failed", "{batch}", "Batches that did not commit (callers retry)");
    private readonly KeyValuePair<string, object?> _log = new("log", origin);
    private long _lastCommitStart;

    public long CommitStarted()
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Exchange(ref _lastCommitStart, now);
        if (last != 0) Period.Record(Stopwatch.GetElapsedTime(last, now).TotalSeconds, _log);
        return now;
    }

    public void Committed(long started, int records)
    {
        CommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, _log);
        BatchSize.Record(records, _log);
    }

    public void CommitFailed() => Failed.Add(1, _log);
}
