using Anchor.Grains.Anchoring;
using Anchor.Node.Api;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Anchoring;

/// <summary>
/// The anchors the chain grains recorded in Redis, read by size through the store's indexes: a bundle reads the few final
/// anchors just above its leaf, the anchors list the newest, never every record ever written (one per interval and chain).
/// </summary>
public sealed class RecordedAnchors(AnchorStore store, IOptions<AnchoringOptions> options) : ILogAnchors
{
    /// <summary>
    /// Final anchors read per chain for a bundle: the smallest sizes above the leaf. Chains and TSAs seal the round's
    /// shared seal, so the size a bundle names is among the first few; more only widens the rule's choice (docs/sealing.md).
    /// </summary>
    public const int CandidatesPerChain = 16;

    public async Task<IReadOnlyList<StoredAnchor>> FinalAboveAsync(ulong leafIndex, CancellationToken cancellationToken)
    {
        var reads = options.Value.Chains.Select(c => store.ReadFinalAboveAsync(c.Name, leafIndex, CandidatesPerChain));
        return [.. (await Task.WhenAll(reads)).SelectMany(r => r).Select(StoredAnchor.FromJson)];
    }

    public async Task<IReadOnlyList<StoredAnchor>> NewestAsync(int perChain, CancellationToken cancellationToken)
    {
        var reads = options.Value.Chains.Select(c => store.ReadNewestAsync(c.Name, perChain));
        return [.. (await Task.WhenAll(reads)).SelectMany(r => r).Select(StoredAnchor.FromJson)
            .OrderByDescending(a => a.TreeSize).ThenByDescending(a => a.RecordedAt, StringComparer.Ordinal)];
    }
}
