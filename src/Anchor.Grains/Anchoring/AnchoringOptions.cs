using Anchor.Chain;

namespace Anchor.Grains.Anchoring;

/// <summary>The chains a log is anchored on, and how often; the node maps its settings onto this.</summary>
public sealed class AnchoringOptions
{
    public List<ChainTarget> Chains { get; set; } = [];

    /// <summary>How often each chain's grain anchors the newest checkpoint, if the log grew.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);
}
