namespace Anchor.Core.Merkle;

/// <summary>Why a Merkle proof was rejected. Each case is a type, so callers can tell them apart.</summary>
public abstract class ProofError(string message) : Exception(message);

/// <summary>The index is not inside the tree, or the sizes are out of order.</summary>
public sealed class ProofRangeError(string message) : ProofError(message);

/// <summary>The proof has the wrong number of hashes for its index and size, or a hash of the wrong length.</summary>
public sealed class ProofLengthError(string message) : ProofError(message);

/// <summary>The proof folds to another root than the expected one.</summary>
public sealed class RootMismatchError(byte[] computed, byte[] expected)
    : ProofError($"computed root {Hex.Encode(computed)} does not match expected root {Hex.Encode(expected)}")
{
    public byte[] Computed { get; } = computed;
    public byte[] Expected { get; } = expected;
}
