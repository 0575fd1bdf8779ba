using Anchor.Core.Records;

namespace Anchor.Chain;

/// <summary>A log's name on chain: keccak256 of the UTF-8 checkpoint origin (DESIGN A4), computed by Core.</summary>
public static class LogId
{
    public static byte[] For(string origin) => EvidenceDigest.LogIdBytes(origin);

    public static string Hex(string origin) => EvidenceDigest.LogId(origin);
}
