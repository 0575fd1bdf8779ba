using System.Diagnostics.Metrics;

namespace Anchor.Grains.Anchoring;

/// <summary>
/// The anchoring grains' instruments, on the meter <c>Anchor.Anchoring</c> (the node exports every <c>Anchor.*</c> meter at
/// /metrics). Labels are the chain's name and a reason code, never hashes.
/// </summary>
public static class AnchoringMetrics
{
    public const string MeterName = "Anchor.Anchoring";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Exported as <c>anchor_anchor_tx_failed_total{chain,reason}</c>.</summary>
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("anchor.anchor_tx.failed", "{transaction}",
        "Anchor transactions mined and reverted, by chain and decoded reason (a registry error such as SizeNotIncreasing or NotOperator, OutOfGas, Unknown)");

    public static void TransactionFailed(string chain, string reason) =>
        Failed.Add(1, new KeyValuePair<string, object?>("chain", chain), new KeyValuePair<string, object?>("reason", reason));
}
