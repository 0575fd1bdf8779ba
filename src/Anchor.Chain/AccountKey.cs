using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core.Signatures;
using Nethereum.Signer;

namespace Anchor.Chain;

/// <summary>
/// An operator account key read from a file: one line holding the 0x-hex secp256k1 private key, or the JSON key file of
/// <c>anchor keygen --alg eth-personal</c>. The key is never logged nor put in an exception message; only the address is shown.
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
        if (text.StartsWith('{')) return FromKeyFile(text, path);
        var hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length != 64 || !Anchor.Core.Hex.TryDecode(hex, out _))
            throw new ChainException(ChainErrorCode.KeyFile, $"key file {path} must hold one 0x-hex private key of 32 bytes, or an eth-personal key file");
        return "0x" + hex.ToLowerInvariant();
    }

    public static string AddressOf(string privateKey) => new EthECKey(privateKey).GetPublicAddress();

    /// <summary>An eth-personal key file (checked whole by SigningKey: its address must belong to its secret); privateKey is the 32-byte secret.</summary>
    private static string FromKeyFile(string json, string path)
    {
        if (!SigningKey.TryImport(json, out var key, out var error))
            throw new ChainException(ChainErrorCode.KeyFile, $"key file {path} is malformed: {error}");
        using (key)
        {
            if (key.Alg != SignatureAlg.EthPersonal)
                throw new ChainException(ChainErrorCode.KeyFile, $"key file {path} holds a {SignatureAlgs.ToWire(key.Alg)} key; an account key is eth-personal");
        }
        var secret = Convert.FromBase64String(JsonNode.Parse(json)!["privateKey"]!.GetValue<string>());
        try { return "0x" + Convert.ToHexStringLower(secret); }
        finally { CryptographicOperations.ZeroMemory(secret); }
    }
}
