using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using NBitcoin.Secp256k1;

namespace Anchor.Core.Signatures;

/// <summary>
/// A secp256k1 account key signing as a wallet's <c>personal_sign</c> does: RFC 6979 deterministic k, low s,
/// v = 27 + recovery id.
/// </summary>
internal sealed class EthPersonalPrivateKey : ISchemePrivateKey
{
    public const int SecretSize = 32;

    private readonly ECPrivKey key;

    private EthPersonalPrivateKey(ECPrivKey key)
    {
        this.key = key;
        Span<byte> address = stackalloc byte[EthereumAddress.Size];
        EthereumAddress.FromPublicKey(key.CreatePubKey(), address);
        Descriptor = new KeyDescriptor(SignatureAlg.EthPersonal, Address: EthereumAddress.ToChecksummed(address));
    }

    public KeyDescriptor Descriptor { get; }

    public static EthPersonalPrivateKey Generate()
    {
        Span<byte> secret = stackalloc byte[SecretSize];
        try
        {
            while (true) // a random 32 bytes is at or above the curve order with probability about 2^-128
            {
                RandomNumberGenerator.Fill(secret);
                if (Context.Instance.TryCreateECPrivKey(secret, out var key) && key is not null) return new EthPersonalPrivateKey(key);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    public static bool TryImport(ReadOnlySpan<byte> secret, [NotNullWhen(true)] out ISchemePrivateKey? privateKey, out string error)
    {
        privateKey = null;
        if (secret.Length != SecretSize || !Context.Instance.TryCreateECPrivKey(secret, out var key) || key is null)
        {
            error = $"eth-personal: privateKey must be a 32-byte secp256k1 secret in [1, n-1], got {secret.Length} bytes";
            return false;
        }
        privateKey = new EthPersonalPrivateKey(key);
        error = "";
        return true;
    }

    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        Span<byte> digest = stackalloc byte[Keccak256.Size];
        EthereumPersonalMessage.Hash(message, digest);
        if (!key.TrySignRecoverable(digest, out var recoverable) || recoverable is null)
            throw new CryptographicException("secp256k1 signing failed");
        var signature = new byte[EthPersonalVerifier.SignatureSize];
        recoverable.WriteToSpanCompact(signature.AsSpan(0, 64), out var recoveryId);
        signature[64] = (byte)(27 + recoveryId);
        return signature;
    }

    public byte[] ExportPrivateKey()
    {
        var secret = new byte[SecretSize];
        key.WriteToSpan(secret);
        return secret;
    }

    public void Dispose() => key.Dispose();
}
