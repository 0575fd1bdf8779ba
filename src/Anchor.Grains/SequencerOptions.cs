namespace Anchor.Grains;

/// <summary>How the sequencer batches: every <see cref="Period"/>, or at once when <see cref="PoolSize"/> records wait.</summary>
public sealed class SequencerOptions
{
    public TimeSpan Period { get; set; } = TimeSpan.FromMilliseconds(250);
    public int PoolSize { get; set; } = 4096;
}
