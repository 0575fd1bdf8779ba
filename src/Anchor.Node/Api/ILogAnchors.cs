using Anchor.Grains.Anchoring;

namespace Anchor.Node.Api;

/// <summary>
/// What anchoring has recorded, as the API needs it, read through the store's size indexes (never every record). Which
/// anchors a leaf's bundle names is <see cref="ProofBundles"/>' choice, with the TSA tokens.
/// </summary>
public interface ILogAnchors
{
    /// <summary>Per chain, the first <see cref="RecordedAnchors.CandidatesPerChain"/> final anchors with a tree size above <paramref name="leafIndex"/>.</summary>
    Task<IReadOnlyList<StoredAnchor>> FinalAboveAsync(ulong leafIndex, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="perChain"/> records of every chain, whatever their state, newest first.</summary>
    Task<IReadOnlyList<StoredAnchor>> NewestAsync(int perChain, CancellationToken cancellationToken);
}
