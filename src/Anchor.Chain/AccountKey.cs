using Nethereum.Signer;

namespace Anchor.Chain;

/// <summary>
/// An operator account key read from a file holding one line: the 0x-hex secp256k1 private key.
/// The key is never logged nor put in an exception message; only the address is shown.
/// </summary>
public static class AccountKey
{
    public static string ReadFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path).Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ChainException(ChainErrorCode.KeyFile, $"cannot read key file {path}: {e.Message}");
        }
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length != 64 || !Anchor.Core.Hex.TryDecode(hex, out _))
            throw new ChainException(ChainErrorCode.KeyFile, $"key file {path} must hold one 0x-hex private key of 32 bytes");
        return "0x" + hex.ToLowerInvariant();
    }

    public static string AddressOf(string privateKey) => new EthECKey(privateKey).GetPublicAddress();
}
