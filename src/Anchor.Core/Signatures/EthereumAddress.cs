using NBitcoin.Secp256k1;

namespace Anchor.Core.Signatures;

/// <summary>
/// A 20-byte Ethereum account address: the last 20 bytes of Keccak-256 over the uncompressed secp256k1 public key
/// (without its 0x04 prefix). Written as 0x-hex, either in one case or with the EIP-55 mixed-case checksum.
/// </summary>
public static class EthereumAddress
{
    public const int Size = 20;

    /// <summary>
    /// Parses <c>0x</c> + 40 hex digits. All-lowercase and all-uppercase are accepted as they are; mixed case is an
    /// EIP-55 checksum and must be right, because a wrong one means the address was mistyped.
    /// </summary>
    public static bool TryParse(string? text, out byte[] address, out string error)
    {
        address = [];
        if (text is null || text.Length != 2 + 2 * Size || !text.StartsWith("0x", StringComparison.Ordinal))
        {
            error = "an Ethereum address is 0x followed by 40 hex digits";
            return false;
        }
        if (!Hex.TryDecode(text, out var bytes, allowPrefix: true))
        {
            error = "an Ethereum address is 0x followed by 40 hex digits";
            return false;
        }
        var digits = text.AsSpan(2);
        var mixedCase = digits.ContainsAnyInRange('a', 'f') && digits.ContainsAnyInRange('A', 'F');
        if (mixedCase && !digits.SequenceEqual(ToChecksummed(bytes).AsSpan(2)))
        {
            error = "the Ethereum address has mixed case but a wrong EIP-55 checksum (mistyped?)";
            return false;
        }
        address = bytes;
        error = "";
        return true;
    }

    /// <summary>The EIP-55 spelling: each letter is uppercase when the matching nibble of keccak256(lowercase hex) is 8 or more.</summary>
    public static string ToChecksummed(ReadOnlySpan<byte> address)
    {
        if (address.Length != Size) throw new ArgumentException($"an Ethereum address is {Size} bytes", nameof(address));
        Span<char> lower = stackalloc char[2 * Size];
        Convert.TryToHexStringLower(address, lower, out _);
        Span<byte> ascii = stackalloc byte[2 * Size];
        for (var i = 0; i < lower.Length; i++) ascii[i] = (byte)lower[i];
        Span<byte> hash = stackalloc byte[Keccak256.Size];
        Keccak256.Hash(ascii, hash);
        Span<char> result = stackalloc char[2 + 2 * Size];
        result[0] = '0';
        result[1] = 'x';
        for (var i = 0; i < lower.Length; i++)
        {
            var nibble = (i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2]) & 0x0f;
            result[2 + i] = nibble >= 8 ? char.ToUpperInvariant(lower[i]) : lower[i];
        }
        return new string(result);
    }

    /// <summary>Derives the address of a secp256k1 public key.</summary>
    internal static void FromPublicKey(ECPubKey publicKey, Span<byte> address)
    {
        Span<byte> uncompressed = stackalloc byte[65];
        publicKey.WriteToSpan(compressed: false, uncompressed, out _);
        Span<byte> hash = stackalloc byte[Keccak256.Size];
        Keccak256.Hash(uncompressed[1..], hash);
        hash[^Size..].CopyTo(address);
    }
}
