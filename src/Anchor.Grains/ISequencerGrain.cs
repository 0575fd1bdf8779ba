namespace Anchor.Grains;

/// <summary>One per log (keyed by origin): pools verified records and appends them in batches.</summary>
public interface ISequencerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Completes when the records are durably in the log (head moved, checkpoint stored and witnessed): one result
    /// per record in order, and the proof of the call's records in the tree of that checkpoint. Throws <see cref="SequencerUnavailableException"/> when the batch could not commit.
    /// </summary>
    [AlwaysInterleave]
    Task<SequencedCall> Append(VerifiedRecord[] records);

    /// <summary>
    /// Appends key registrations and revocations, in order, in a commit of their own between pools of records, and
    /// answers their leaf indices once durable. Records pooled after a revocation are refused under the revoked key.
    /// </summary>
    [AlwaysInterleave]
    Task<ulong[]> AppendKeyEvents(KeyEvent[] events);

    [AlwaysInterleave]
    Task<SequencerStatus> Status();

    /// <summary>
    /// Freezes the log at its size once what is pooled is committed: from then on every record and key event is refused
    /// with <c>log_frozen</c>, and the log stays readable. Answers the frozen size; a second call answers the first freeze's.
    /// </summary>
    [AlwaysInterleave]
    Task<ulong> Freeze();

    /// <summary>
    /// Checks that the log's head contains every tree the node published, and <paramref name="tree"/> too (say, the latest
    /// anchor on a chain); null when it does, else the problem, and the sequencer refuses from then on (<see cref="ForkGuard"/>).
    /// Anchoring calls it before each round, so that a rolled-back head is never anchored.
    /// </summary>
    [AlwaysInterleave]
    Task<string?> CheckPublished(PublishedTree? tree);
}
