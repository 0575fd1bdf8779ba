namespace Anchor.Grains.Timestamping;

/// <summary>Time-stamps one log's seals at one TSA; keyed by the TSA's configured name.</summary>
public interface ITsaGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder that keeps this grain alive across silo loss; idempotent.</summary>
    Task Start();

    /// <summary>Runs one round now (operators and tests); returns the largest tree size this TSA has time-stamped afterwards.</summary>
    Task<ulong> StampNow();
}
