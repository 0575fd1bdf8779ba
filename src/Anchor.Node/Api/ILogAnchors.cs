using Anchor.Core.Records;
using Anchor.Grains.Anchoring;

namespace Anchor.Node.Api;

/// <summary>
/// What anchoring has recorded, as the API needs it: every anchor with its state, and for a leaf the
/// anchored tree its bundle should name.
/// </summary>
public interface ILogAnchors
{
    /// <summary>All anchors of the log on every chain, newest first, whatever their state.</summary>
    Task<IReadOnlyList<StoredAnchor>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The anchored tree a bundle for <paramref name="leafIndex"/> should name (its size, checkpoint and anchors),
    /// or null while no confirmed anchor covers the leaf (the bundle then uses the latest checkpoint).
    /// </summary>
    Task<AnchoredTree?> ForLeafAsync(ulong leafIndex, CancellationToken cancellationToken);
}

public sealed record AnchoredTree(ulong Size, string Checkpoint, IReadOnlyList<ChainAnchor> Anchors);
