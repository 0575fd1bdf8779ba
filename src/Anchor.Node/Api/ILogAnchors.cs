using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>
/// The seam for anchoring: which chain anchors cover a tree size, and which checkpoint a bundle should
/// be built at. Until anchoring lands, <see cref="NoAnchors"/> says "none" and bundles use the latest checkpoint.
/// </summary>
public interface ILogAnchors
{
    /// <summary>All anchors of the log, newest first.</summary>
    Task<IReadOnlyList<ChainAnchor>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The anchored tree a bundle for <paramref name="leafIndex"/> should name (its size, checkpoint and anchors),
    /// or null to use the latest checkpoint.
    /// </summary>
    Task<AnchoredTree?> ForLeafAsync(ulong leafIndex, CancellationToken cancellationToken);
}

public sealed record AnchoredTree(ulong Size, string Checkpoint, IReadOnlyList<ChainAnchor> Anchors);

public sealed class NoAnchors : ILogAnchors
{
    public Task<IReadOnlyList<ChainAnchor>> ListAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ChainAnchor>>([]);
    public Task<AnchoredTree?> ForLeafAsync(ulong leafIndex, CancellationToken cancellationToken) => Task.FromResult<AnchoredTree?>(null);
}
