using System.Numerics;

namespace Anchor.Chain;

/// <summary>
/// A signed transaction, sent or about to be. It holds everything needed to send it again (<see cref="Raw"/>, the signed
/// bytes of the newest variant) or to replace it (same nonce, to and calldata, higher fees), so a caller that persists it
/// before it is broadcast can resume after a crash, whether or not the broadcast happened.
/// </summary>
/// <param name="Hashes">Every variant signed for this nonce, oldest first; any of them may be the one mined.</param>
/// <param name="Raw">The signed bytes (0x hex) of the newest variant; empty in records written before they were kept.</param>
public sealed record SentTransaction(
    string From, string? To, string Data, ulong Gas, ulong Nonce,
    BigInteger MaxFeePerGas, BigInteger MaxPriorityFeePerGas,
    IReadOnlyList<string> Hashes, DateTimeOffset SentAt, string Raw = "")
{
    /// <summary>The newest variant.</summary>
    public string Hash => Hashes[^1];
}

/// <summary>A transaction in a block (status success). A reorg can still remove it: see CheckMinedAsync.</summary>
public sealed record MinedTransaction(
    string Hash, ulong Nonce, ulong BlockNumber, string BlockHash, ulong GasUsed,
    BigInteger EffectiveGasPrice, string? ContractAddress);

public enum MinedState
{
    /// <summary>Still where it was mined; <see cref="MinedStatus.Confirmations"/> counts its block.</summary>
    Canonical,
    /// <summary>The receipt is gone, or names another block, or its block is no longer canonical.</summary>
    Reorged,
}

/// <param name="Final">Canonical and final: at or below the chain's <c>finalized</c> block, or with the configured
/// confirmations on a chain without that tag (<see cref="ChainTarget.Finality"/>).</param>
public sealed record MinedStatus(MinedState State, ulong Confirmations, string Detail, bool Final = false);

/// <summary>An anchor as a verifier reads it back from the chain: the members of a bundle's anchors[] (DESIGN A3).</summary>
/// <param name="Root">Lowercase hex without prefix, like every hash in Anchor JSON.</param>
public sealed record AnchorRecord(
    ulong ChainId, string Registry, string LogId, ulong TreeSize, string Root,
    string TxHash, ulong BlockNumber, string BlockHash, DateTimeOffset BlockTime, ulong Confirmations);
