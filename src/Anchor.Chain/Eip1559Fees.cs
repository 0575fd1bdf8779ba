using System.Numerics;

namespace Anchor.Chain;

/// <summary>EIP-1559 fee choice and replacement bumps, within the chain's caps.</summary>
internal static class Eip1559Fees
{
    /// <summary>Nodes (geth, anvil) accept a replacement only if both fees grow by at least 10%; we bump by 12.5%.</summary>
    private const int BumpNumerator = 9, BumpDenominator = 8;
    private const int MinimumNumerator = 11, MinimumDenominator = 10;

    /// <summary>maxFee = 2·baseFee + tip: stays includable through six full blocks of base-fee growth.</summary>
    public static (BigInteger MaxFee, BigInteger Priority) Suggest(BigInteger baseFee, BigInteger suggestedPriority, ChainTarget target)
    {
        var priority = BigInteger.Min(suggestedPriority, target.MaxPriorityFeePerGasCap);
        var maxFee = BigInteger.Min(2 * baseFee + priority, target.MaxFeePerGasCap);
        return (maxFee, BigInteger.Min(priority, maxFee));
    }

    /// <summary>Fees for a replacement, or null when the caps leave no room for a valid (≥ +10%) bump.</summary>
    public static (BigInteger MaxFee, BigInteger Priority)? Bump(BigInteger oldMaxFee, BigInteger oldPriority, BigInteger baseFee, BigInteger suggestedPriority, ChainTarget target)
    {
        var priority = BigInteger.Max(CeilDiv(oldPriority * BumpNumerator, BumpDenominator), suggestedPriority);
        var maxFee = BigInteger.Max(CeilDiv(oldMaxFee * BumpNumerator, BumpDenominator), 2 * baseFee + priority);
        priority = BigInteger.Min(priority, target.MaxPriorityFeePerGasCap);
        maxFee = BigInteger.Min(maxFee, target.MaxFeePerGasCap);
        priority = BigInteger.Min(priority, maxFee);
        var enough = maxFee >= CeilDiv(oldMaxFee * MinimumNumerator, MinimumDenominator)
            && priority >= CeilDiv(oldPriority * MinimumNumerator, MinimumDenominator);
        return enough ? (maxFee, priority) : null;
    }

    private static BigInteger CeilDiv(BigInteger a, BigInteger b) => (a + b - 1) / b;
}
