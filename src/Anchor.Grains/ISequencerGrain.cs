namespace Anchor.Grains;

/// <summary>One per log (keyed by origin): pools verified records and appends them in batches.</summary>
public interface ISequencerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Completes when the records are durably in the log (head moved, checkpoint stored), one result
    /// per record in order. Throws <see cref="SequencerUnavailableException"/> when the batch could not commit.
    /// </summary>
    [AlwaysInterleave]
    Task<SequencedRecord[]> Append(VerifiedRecord[] records);

    [AlwaysInterleave]
    Task<SequencerStatus> Status();
}
