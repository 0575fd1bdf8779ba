namespace Anchor.Grains.Anchoring;

/// <summary>Anchors one log on one chain; keyed by the chain's configured name.</summary>
public interface IChainAnchorGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder that keeps this grain alive across silo loss; idempotent.</summary>
    Task Start();

    /// <summary>Runs one anchoring round now (operators and tests); returns the tree size anchored on chain afterwards.</summary>
    Task<ulong> AnchorNow();
}
