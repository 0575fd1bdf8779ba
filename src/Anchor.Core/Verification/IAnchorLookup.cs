using Anchor.Core.Records;

namespace Anchor.Core.Verification;

/// <summary>
/// Checks one anchor against its chain (transaction receipt, Anchored event, rootAt, canonical block,
/// confirmations). Implemented over JSON-RPC in Anchor.Chain; Core only states what it needs.
/// </summary>
public interface IAnchorLookup
{
    Task<IReadOnlyList<Check>> CheckAsync(ChainAnchor anchor, int minConfirmations, CancellationToken cancellationToken);
}
