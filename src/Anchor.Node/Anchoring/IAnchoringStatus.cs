namespace Anchor.Node.Anchoring;

/// <summary>How anchoring stands on one chain, for /healthz, /metrics and `anchor status`.</summary>
/// <param name="LagSeconds">Age of the oldest entry no final anchor on this chain covers; 0 when none waits; null if unreadable.</param>
/// <param name="State">"ok", "lagging" (anchoring behind its interval) or "down" (the chain cannot be reached).</param>
public sealed record ChainStatus(
    string Name,
    ulong ChainId,
    string Registry,
    string? Account,
    ulong LastAnchoredSize,
    DateTimeOffset? LastAnchorAt,
    ulong LagEntries,
    double? LagSeconds,
    ulong Confirmations,
    string? BalanceWei,
    ulong? LastGasUsed,
    string State,
    string? LastError);

/// <summary>The latest anchoring status of every configured chain.</summary>
public interface IAnchoringStatus
{
    Task<IReadOnlyList<ChainStatus>> ChainsAsync(CancellationToken cancellationToken);
}
