using System.Numerics;

namespace Anchor.Chain;

/// <summary>One chain the node anchors on (options pattern: one record per configured chain).</summary>
/// <param name="Name">A label for logs and errors, e.g. "sepolia".</param>
/// <param name="RpcUrl">JSON-RPC endpoint.</param>
/// <param name="ChainId">Expected eth_chainId; a mismatch is refused at connect (0: take the endpoint's).</param>
/// <param name="Registry">AnchorRegistry address; null before deployment.</param>
/// <param name="KeyFile">File holding the operator's 0x-hex private key (one line).</param>
public sealed record ChainTarget(string Name, string RpcUrl, ulong ChainId, string? Registry = null, string? KeyFile = null)
{
    /// <summary>
    /// Blocks on top of (and including) the anchor's block before it counts as final, where <see cref="Finality"/> is
    /// by confirmations (or the chain has no <c>finalized</c> tag).
    /// </summary>
    public int Confirmations { get; init; } = 12;
    /// <summary>How an anchor becomes final: the chain's <c>finalized</c> block tag, or <see cref="Confirmations"/>.</summary>
    public FinalityRule Finality { get; init; } = FinalityRule.Auto;
    /// <summary>Upper bound of maxFeePerGas, in wei; fees are capped, replacements too.</summary>
    public BigInteger MaxFeePerGasCap { get; init; } = BigInteger.Pow(10, 12); // 1000 gwei
    /// <summary>Upper bound of maxPriorityFeePerGas, in wei.</summary>
    public BigInteger MaxPriorityFeePerGasCap { get; init; } = BigInteger.Pow(10, 11); // 100 gwei
    /// <summary>A transaction not mined after this long is replaced (same nonce, fees bumped).</summary>
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromMinutes(3);
    /// <summary>How often receipts and heads are polled.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Attempts per RPC call when the endpoint can't be reached (1 = no retry).</summary>
    public int RpcAttempts { get; init; } = 5;
    /// <summary>Delay before the first retry; doubles each time, up to <see cref="RpcMaxBackoff"/>.</summary>
    public TimeSpan RpcBackoff { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan RpcMaxBackoff { get; init; } = TimeSpan.FromSeconds(8);
    /// <summary>Timeout of one RPC request.</summary>
    public TimeSpan RpcTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>
    /// First block searched for Anchored events: the registry's deployment block (`anchor chain deploy` prints it), or the
    /// block of the log's registration. Never block 0 on a public chain: RPCs refuse such ranges.
    /// </summary>
    public ulong FromBlock { get; init; }
    /// <summary>Blocks per eth_getLogs request; lookups walk from the head down to <see cref="FromBlock"/> in ranges this long.</summary>
    public ulong LogRange { get; init; } = 2000;
}

public enum FinalityRule
{
    /// <summary>The <c>finalized</c> tag when the endpoint answers it, else <see cref="ChainTarget.Confirmations"/>.</summary>
    Auto,
    /// <summary>An anchor is final once its block is at or below the block the chain calls <c>finalized</c>.</summary>
    FinalizedTag,
    /// <summary>An anchor is final with <see cref="ChainTarget.Confirmations"/> blocks (its own included).</summary>
    Confirmations,
}
