using System.Globalization;
using System.Numerics;

namespace Anchor.Chain;

/// <summary>Amounts of the native coin as operators read them: ETH, with the exact wei beside.</summary>
public static class EtherAmount
{
    private static readonly BigInteger WeiPerEth = BigInteger.Pow(10, 18);

    /// <summary>"1.5 ETH (1500000000000000000 wei)": all 18 decimals kept, trailing zeros dropped, so nothing is rounded.</summary>
    public static string Format(BigInteger wei)
    {
        var sign = wei.Sign < 0 ? "-" : "";
        var magnitude = BigInteger.Abs(wei);
        var whole = BigInteger.DivRem(magnitude, WeiPerEth, out var fraction);
        var decimals = fraction.IsZero ? "" : "." + fraction.ToString("D18", CultureInfo.InvariantCulture).TrimEnd('0');
        return $"{sign}{whole.ToString(CultureInfo.InvariantCulture)}{decimals} ETH ({wei.ToString(CultureInfo.InvariantCulture)} wei)";
    }

    /// <summary><see cref="Format(BigInteger)"/> of a decimal wei text; the text itself when it is not a number.</summary>
    public static string Format(string weiText) =>
        BigInteger.TryParse(weiText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var wei) ? Format(wei) : weiText + " wei";
}
