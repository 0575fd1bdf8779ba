using System.Diagnostics.CodeAnalysis;
using NBitcoin.Secp256k1;

namespace Anchor.Core.Signatures;

/// <summary>
/// eth-personal: a wallet's <c>personal_sign</c> (EIP-191) signature r‖s‖v, checked as Ethereum does, by recovering
/// the signer's public key (NBitcoin.Secp256k1) and comparing its address with the registered one.
/// High-s signatures are accepted, as the ecrecover precompile and wallets' verifyMessage accept them: malleability
/// lets anyone re-spell a signature, never make one.
/// </summary>
internal sealed class EthPersonalVerifier(byte[] address) : ISchemeVerifier
{
    public const int SignatureSize = 65;

    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out ISchemeVerifier? verifier, out string error)
    {
        verifier = null;
        if (key.Address is null)
        {
            error = "eth-personal: address (0x + 40 hex digits) is required";
            return false;
        }
        if (!EthereumAddress.TryParse(key.Address, out var address, out error))
        {
            error = $"eth-personal: {error}";
            return false;
        }
        verifier = new EthPersonalVerifier(address);
        return true;
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize) return false;
        // v is 27/28 from wallets and eth_sign; some libraries emit the bare recovery id 0/1.
        var v = signature[64];
        var recoveryId = v >= 27 ? v - 27 : v;
        if (recoveryId is not (0 or 1)) return false;

        Span<byte> digest = stackalloc byte[Keccak256.Size];
        EthereumPersonalMessage.Hash(message, digest);
        if (!SecpRecoverableECDSASignature.TryCreateFromCompact(signature[..64], recoveryId, out var recoverable)
            || !ECPubKey.TryRecover(Context.Instance, recoverable, digest, out var signer))
            return false;

        Span<byte> recovered = stackalloc byte[EthereumAddress.Size];
        EthereumAddress.FromPublicKey(signer, recovered);
        return recovered.SequenceEqual(address);
    }
}
