using Anchor.Grains.Anchoring;

namespace Anchor.Node.Api;

/// <summary>
/// What anchoring has recorded, as the API needs it: every anchor with its state. Which of them a leaf's bundle
/// names is <see cref="ProofBundles"/>' choice, with the TSA tokens.
/// </summary>
public interface ILogAnchors
{
    /// <summary>All anchors of the log on every chain, newest first, whatever their state.</summary>
    Task<IReadOnlyList<StoredAnchor>> ListAsync(CancellationToken cancellationToken);
}
