using Anchor.Core.Records;

namespace Anchor.Core.Verification;

/// <summary>
/// What the verifier's trust file says about one anchor's chain, never what the bundle says: the registry the
/// Anchored event must come from, the operator the registry must name for the log, the log ID, and the commitment
/// to the log key that registration must have stored (SHA-256 of the trusted vkey that verified the checkpoint).
/// </summary>
public sealed record AnchorExpectation(TrustedChain Chain, byte[] KeyCommitment);

/// <summary>
/// Checks one anchor against its chain (transaction receipt, Anchored event from the trusted registry, rootAt,
/// the log's operator and key commitment, canonical block, confirmations). Implemented over JSON-RPC in
/// Anchor.Chain; Core only states what it needs.
/// </summary>
public interface IAnchorLookup
{
    Task<IReadOnlyList<Check>> CheckAsync(ChainAnchor anchor, AnchorExpectation expected, int minConfirmations, CancellationToken cancellationToken);
}
