using System.Text;
using Nethereum.Util;

namespace Anchor.Chain;

/// <summary>A log's name on chain: keccak256 of the UTF-8 checkpoint origin (DESIGN A4).</summary>
public static class LogId
{
    public static byte[] For(string origin) => Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(origin));

    public static string Hex(string origin) => "0x" + Convert.ToHexStringLower(For(origin));
}
