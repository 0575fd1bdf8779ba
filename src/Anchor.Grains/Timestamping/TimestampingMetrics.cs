using System.Diagnostics.Metrics;
using Anchor.Core.Timestamping;

namespace Anchor.Grains.Timestamping;

/// <summary>
/// Instruments of time-stamping, on the meter <c>Anchor.Timestamping</c>: tokens obtained and refusals, per TSA (and
/// reason). The seal lag per TSA is a gauge of the node, read from each TSA's recorded status.
/// </summary>
public static class TimestampingMetrics
{
    public const string MeterName = "Anchor.Timestamping";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Obtained = Meter.CreateCounter<long>("anchor.tsa.tokens", "{token}", "Time-stamp tokens obtained and stored, per TSA");
    private static readonly Counter<long> Failed = Meter.CreateCounter<long>("anchor.tsa.failures", "{request}",
        "Time-stamp requests that failed or whose reply was refused, per TSA and reason (unreachable, http, status, malformed, imprint, nonce, policy, eku, signature, untrusted)");

    public static void TokenStored(string tsa) => Obtained.Add(1, new KeyValuePair<string, object?>("tsa", tsa));

    public static void Refused(string tsa, TsaFailure reason) =>
        Failed.Add(1, new KeyValuePair<string, object?>("tsa", tsa), new KeyValuePair<string, object?>("reason", TsaException.Label(reason)));
}
