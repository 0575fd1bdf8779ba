namespace Anchor.Grains.Anchoring;

/// <summary>The root log's one writer, keyed by the root log's origin (docs/sealing.md, "The root log").</summary>
public interface IRootLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends the checkpoint of every member log that grew since its last leaf, signs the root log's new checkpoint, and
    /// returns the root head's checkpoint (as it was when nothing grew, or a seal of this round is already published; null while
    /// the root log is empty). Throws
    /// <see cref="LogRolledBackException"/> when the root log's head lacks a tree it published.
    /// </summary>
    Task<string?> Advance();

    /// <summary>The root log's fork check (<see cref="ForkGuard"/>): null when its head contains every published tree and <paramref name="tree"/>.</summary>
    Task<string?> CheckPublished(PublishedTree? tree);
}
