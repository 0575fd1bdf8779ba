using System.Diagnostics.Metrics;

namespace Anchor.Node.Observability;

/// <summary>
/// The node's own instruments, on the meter <c>Anchor.Node</c> (exported at /metrics with every other
/// <c>Anchor.*</c> meter). Labels are codes, chain and TSA names only: never provider IDs, hashes or tokens.
/// </summary>
public sealed class NodeMetrics : IDisposable
{
    public const string MeterName = "Anchor.Node";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _accepted;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _receiptLatency;

    public NodeMetrics(NodeProbes probes)
    {
        _accepted = _meter.CreateCounter<long>("anchor.submissions.accepted", "{request}", "Evidence submissions answered with receipts, by route");
        _rejected = _meter.CreateCounter<long>("anchor.submissions.rejected", "{request}", "Evidence submissions refused, by route and problem code");
        _receiptLatency = _meter.CreateHistogram<double>("anchor.receipt.latency", "s", "From request to receipt, for accepted submissions",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _meter.CreateObservableGauge<double>("anchor.redis.latency", () => probes.RedisLatencySeconds is { } s ? [new Measurement<double>(s)] : Array.Empty<Measurement<double>>(),
            "s", "Round trip of a Redis PING, sampled every few seconds");
        _meter.CreateObservableGauge("anchor.anchoring.lag.entries", () => probes.Chains.Select(c => new Measurement<long>((long)c.LagEntries, Chain(c))),
            "{entry}", "Entries in the log not yet covered by a final anchor, per chain");
        _meter.CreateObservableGauge("anchor.anchoring.lag", () => probes.Chains.Where(c => c.LagSeconds is not null).Select(c => new Measurement<double>(c.LagSeconds!.Value, Chain(c))),
            "s", "Age of the oldest entry not yet covered by a final anchor, per chain; 0 when no entry waits");
        _meter.CreateObservableGauge("anchor.anchoring.anchored.size", () => probes.Chains.Select(c => new Measurement<long>((long)c.LastAnchoredSize, Chain(c))),
            "{entry}", "Tree size of the last anchor, per chain");
        _meter.CreateObservableGauge("anchor.anchoring.gas", () => probes.Chains.Where(c => c.LastGasUsed is not null).Select(c => new Measurement<long>((long)c.LastGasUsed!.Value, Chain(c))),
            "{gas}", "Gas used by the last anchor transaction, per chain");
        _meter.CreateObservableGauge("anchor.anchoring.up", () => probes.Chains.Select(c => new Measurement<int>(c.State == "down" ? 0 : 1, Chain(c))),
            "", "1 while the chain answers, 0 when anchoring reports it down");
        _meter.CreateObservableGauge("anchor.tsa.lag.entries", () => probes.Tsas.Select(t => new Measurement<long>((long)t.LagEntries, Tsa(t))),
            "{entry}", "Entries in the log not yet covered by a token of the TSA (the seal lag)");
        _meter.CreateObservableGauge("anchor.tsa.lag", () => probes.Tsas.Where(t => t.LagSeconds is not null).Select(t => new Measurement<double>(t.LagSeconds!.Value, Tsa(t))),
            "s", "Time since the genTime of the TSA's last token");
        _meter.CreateObservableGauge("anchor.tsa.sealed.size", () => probes.Tsas.Select(t => new Measurement<long>((long)t.LastSealedSize, Tsa(t))),
            "{entry}", "Tree size of the TSA's last token");
        _meter.CreateObservableGauge("anchor.tsa.up", () => probes.Tsas.Select(t => new Measurement<int>(t.State is "down" or "error" ? 0 : 1, Tsa(t))),
            "", "1 while the TSA answers with tokens the node accepts, 0 when its last round failed");
    }

    public void Accepted(string route, TimeSpan elapsed)
    {
        _accepted.Add(1, new KeyValuePair<string, object?>("route", route));
        _receiptLatency.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("route", route));
    }

    public void Rejected(string route, string code) =>
        _rejected.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("code", code));

    private static KeyValuePair<string, object?>[] Chain(Anchoring.ChainStatus c) =>
        [new("chain", c.Name), new("chain_id", c.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private static KeyValuePair<string, object?>[] Tsa(Timestamping.TsaStatus t) => [new("tsa", t.Name)];

    public void Dispose() => _meter.Dispose();
}
