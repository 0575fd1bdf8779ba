using System.Diagnostics.Metrics;

namespace Anchor.Node.Durability;

/// <summary>
/// <c>anchor_sequencing_refused_total{reason}</c> (meter <c>Anchor.Durability</c>): write requests the node refused to
/// sequence or to acknowledge because the log could not be trusted to keep them: <c>log_rolled_back</c> (the head lacks
/// a tree already published), <c>storage_inconsistent</c> (Redis holds less than a head read moments before) and
/// <c>durability_lost</c> (Redis no longer fsyncs every write). Any increase wants an operator; none is the client's fault.
/// </summary>
public static class SequencingRefusals
{
    public const string MeterName = "Anchor.Durability";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Counter = Meter.CreateCounter<long>("anchor.sequencing.refused", "{request}",
        "Write requests refused because the log could not be trusted to keep them, by reason");

    public static void Refused(string reason) => Counter.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
