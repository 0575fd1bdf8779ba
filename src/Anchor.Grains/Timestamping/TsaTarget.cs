namespace Anchor.Grains.Timestamping;

/// <summary>One time-stamping authority the node asks for RFC 3161 tokens (options pattern: one record per configured TSA).</summary>
/// <param name="Name">A label for bundles, logs, metrics and the grain key, e.g. "digicert".</param>
/// <param name="Url">Where the TSA takes <c>application/timestamp-query</c> POSTs.</param>
/// <param name="HashAlg">The message imprint's hash: "sha256", or "sm3".</param>
/// <param name="Policy">The TSA policy OID to ask for; null takes the TSA's default.</param>
/// <param name="Roots">DER CA certificates the signer must chain to; empty skips the chain check (the token's own checks still run).</param>
public sealed record TsaTarget(string Name, Uri Url, string HashAlg, string? Policy, IReadOnlyList<byte[]> Roots)
{
    /// <summary>Timeout of one request.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Attempts per round when the TSA cannot be reached or answers HTTP errors (1 = no retry).</summary>
    public int Attempts { get; init; } = 3;
    /// <summary>Delay before the first retry; doubles each time.</summary>
    public TimeSpan Backoff { get; init; } = TimeSpan.FromMilliseconds(500);
}

/// <summary>The TSAs a log's checkpoints are time-stamped by, and how often sealing rounds run; the node maps its settings onto this.</summary>
public sealed class TimestampingOptions
{
    public List<TsaTarget> Tsas { get; set; } = [];

    /// <summary>How often each TSA's grain time-stamps the round's seal, if the log grew (the anchoring interval).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}
