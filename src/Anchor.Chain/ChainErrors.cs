namespace Anchor.Chain;

public enum ChainErrorCode
{
    RpcUnreachable,
    WrongChainId,
    RegistryNotDeployed,
    InsufficientFunds,
    Reverted,
    TransactionInFlight,
    NonceTaken,
    Reorged,
    Rpc,
    KeyFile,
    RegistrationMismatch,
}

/// <summary>Every failure Anchor.Chain reports; <see cref="Code"/> is stable, the message is one line.</summary>
public class ChainException(ChainErrorCode code, string message, Exception? inner = null) : Exception(message, inner)
{
    public ChainErrorCode Code { get; } = code;
}

/// <summary>The endpoint did not answer after every bounded retry.</summary>
public sealed class RpcUnreachableException(string chain, int attempts, Exception inner)
    : ChainException(ChainErrorCode.RpcUnreachable, $"{chain}: RPC endpoint unreachable after {attempts} attempt(s): {inner.Message}", inner)
{
    public int Attempts { get; } = attempts;
}

public sealed class WrongChainIdException(string chain, ulong expected, ulong actual)
    : ChainException(ChainErrorCode.WrongChainId, $"{chain}: the endpoint serves chain ID {actual}, expected {expected}")
{
    public ulong Expected { get; } = expected;
    public ulong Actual { get; } = actual;
}

/// <summary>eth_getCode is empty (or not the registry's code) at the configured address.</summary>
public sealed class RegistryNotDeployedException(string chain, string address, string detail)
    : ChainException(ChainErrorCode.RegistryNotDeployed, $"{chain}: no AnchorRegistry at {address}: {detail}")
{
    public string Address { get; } = address;
}

public sealed class InsufficientFundsException(string chain, string account, Exception inner)
    : ChainException(ChainErrorCode.InsufficientFunds, $"{chain}: account {account} has insufficient funds for gas", inner)
{
    public string Account { get; } = account;
}

/// <summary>The registry reverted; <see cref="ErrorName"/> is the custom error (e.g. NotOperator) when it decoded.</summary>
public sealed class RegistryRevertedException(string chain, string errorName, object? error, string description, Exception? inner = null)
    : ChainException(ChainErrorCode.Reverted, $"{chain}: the registry reverted: {description}", inner)
{
    public string ErrorName { get; } = errorName;
    /// <summary>The decoded error DTO (e.g. <c>SizeNotIncreasingError</c>), or null when not a registry error.</summary>
    public object? Error { get; } = error;
    public string Description { get; } = description;
}

/// <summary>
/// A transaction of ours was mined and reverted (receipt status 0). <see cref="Reason"/> is a stable label for metrics:
/// the registry's custom error (SizeNotIncreasing, NotOperator, …), "OutOfGas" when it used all its gas, "Error" for a
/// string revert, "Unknown" when a replay did not say.
/// </summary>
public sealed class TransactionRevertedException(string chain, string txHash, string reason, object? error, string description, Exception? inner = null)
    : ChainException(ChainErrorCode.Reverted, $"{chain}: transaction {txHash} reverted: {description}", inner)
{
    public string TransactionHash { get; } = txHash;
    public string Reason { get; } = reason;
    public string Description { get; } = description;
    /// <summary>The decoded registry error (e.g. <c>SizeNotIncreasingError</c>), or null.</summary>
    public object? Error { get; } = error;
}

/// <summary>The account already has a transaction in the pool: one in flight at a time.</summary>
public sealed class TransactionInFlightException(string chain, string account, ulong minedNonce, ulong pendingNonce)
    : ChainException(ChainErrorCode.TransactionInFlight, $"{chain}: account {account} has a transaction in flight (nonce {minedNonce}, pending {pendingNonce})")
{
    public ulong MinedNonce { get; } = minedNonce;
    public ulong PendingNonce { get; } = pendingNonce;
}

/// <summary>The nonce of a tracked transaction was used by a transaction we did not send.</summary>
public sealed class NonceTakenException(string chain, ulong nonce)
    : ChainException(ChainErrorCode.NonceTaken, $"{chain}: nonce {nonce} was used by another transaction");

/// <summary>A mined transaction is no longer in the canonical chain where it was mined.</summary>
public sealed class TransactionReorgedException(string chain, string txHash, ulong blockNumber, string detail)
    : ChainException(ChainErrorCode.Reorged, $"{chain}: transaction {txHash} mined in block {blockNumber} was dropped by a reorg: {detail}")
{
    public string TransactionHash { get; } = txHash;
}

/// <summary>
/// The node's own log ID on a registry is not the node's to anchor: it was registered with a commitment to another log
/// key, or handed to another operator. Nothing the node sends can change that (the commitment is set once).
/// </summary>
public sealed class LogRegistrationMismatchException(string chain, string logId, string detail)
    : ChainException(ChainErrorCode.RegistrationMismatch, $"{chain}: log ID {logId} {detail}; anchoring on this chain is stopped")
{
    public string LogId { get; } = logId;
}
