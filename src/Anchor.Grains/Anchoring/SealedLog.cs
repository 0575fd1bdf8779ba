using Anchor.Core.Checkpoints;
using Anchor.Storage;

namespace Anchor.Grains.Anchoring;

/// <summary>
/// The log the sealing rounds anchor on chains and time-stamp at TSAs: the node's one log, or, with a root log configured,
/// the root log, whose leaves are the checkpoints of every member log (so one anchor and one token per round seal them all).
/// </summary>
public sealed class SealedLog(LogStore log, NoteSigner signer, ForkGuard? rootGuard)
{
    public LogStore Log => log;
    public NoteSigner Signer => signer;

    /// <summary>True when <see cref="Log"/> is the root log.</summary>
    public bool Rooted => rootGuard is not null;

    /// <summary>The root log's fork check (it has no sequencer grain); null for the node's own log.</summary>
    public ForkGuard? RootGuard => rootGuard;

    /// <summary>The head a round seals: the log's; for the root log, after the member logs' new checkpoints were appended.</summary>
    public async Task<LogHead> HeadAsync(IGrainFactory grains)
    {
        if (!Rooted) return await log.ReadHeadAsync();
        if (await grains.GetGrain<IRootLogGrain>(log.Origin).Advance() is not { } note) return LogHead.Empty;
        var checkpoint = Checkpoint.ParseBody(SignedNote.Parse(note).Text);
        return new LogHead(checkpoint.Size, checkpoint.Root, note);
    }

    /// <summary>The sealed log's fork check: the sequencer's for the node's log, the root log grain's for the root log.</summary>
    public Task<string?> CheckPublishedAsync(IGrainFactory grains, PublishedTree? tree) =>
        Rooted ? grains.GetGrain<IRootLogGrain>(log.Origin).CheckPublished(tree) : grains.GetGrain<ISequencerGrain>(log.Origin).CheckPublished(tree);
}
