using System.Security.Cryptography;
using System.Text;
using Anchor.Core.Signatures;

namespace Anchor.Core.Records;

/// <summary>
/// How the AnchorRegistry names a log and what it commits to (DESIGN A4). A log ID is namespaced by the account
/// that registered it, so nobody else can take it: logId = keccak256(abi.encode(registrant, keccak256(bytes(origin)))).
/// Registration also stores a commitment to the log's verifier key: SHA-256 of the vkey text as UTF-8.
/// </summary>
public static class RegistryLog
{
    /// <summary>keccak256(abi.encode(address registrant, bytes32 keccak256(bytes(origin)))): 64 bytes, the address left-padded.</summary>
    public static byte[] IdBytes(ReadOnlySpan<byte> registrant, string origin)
    {
        if (registrant.Length != 20) throw new ArgumentException("a registrant is a 20-byte address", nameof(registrant));
        Span<byte> encoded = stackalloc byte[64];
        encoded.Clear();
        registrant.CopyTo(encoded[12..32]);
        Keccak256.Hash(Encoding.UTF8.GetBytes(origin), encoded[32..]);
        var id = new byte[32];
        Keccak256.Hash(encoded, id);
        return id;
    }

    /// <summary>The log ID as bundles, trust files and the API write it: 0x-hex. Throws <see cref="AnchorException"/> for a malformed address.</summary>
    public static string Id(string registrant, string origin) => "0x" + Hex.Encode(IdBytes(Address(registrant), origin));

    /// <summary>
    /// SHA-256(UTF-8 vkey): what <c>registerLog</c> stores as the log's key commitment (by hand: <c>printf %s "$vkey" | sha256sum</c>).
    /// Callers pass the canonical text (<c>VerifierKey.ToString()</c>, key ID in lowercase hex), as the node serves it.
    /// </summary>
    public static byte[] KeyCommitment(string verifierKey) => SHA256.HashData(Encoding.UTF8.GetBytes(verifierKey));

    /// <summary>A 0x-prefixed 20-byte hex address, either case.</summary>
    public static byte[] Address(string text) =>
        Hex.TryDecode(text, out var bytes, allowPrefix: true) && bytes.Length == 20 && text.StartsWith("0x", StringComparison.Ordinal)
            ? bytes
            : throw new AnchorException(ErrorCodes.Malformed, $"'{JsonFields.Short(text)}' is not a 0x-hex address of 20 bytes");
}
