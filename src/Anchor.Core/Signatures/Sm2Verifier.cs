using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Anchor.Core.Signatures;

/// <summary>
/// sm2-sm3 (GB/T 32918.2, GM/T 0003.2): e = SM3(Z ‖ message) with Z over the default user ID, DER-encoded (r, s) as
/// GM/T 0009 specifies, through BouncyCastle's <see cref="SM2Signer"/>. The signer is stateful, so each call makes
/// its own; the key parameters it reads are immutable.
/// </summary>
internal sealed class Sm2Verifier(ParametersWithID publicKey) : ISchemeVerifier
{
    /// <summary>The DER of two 256-bit integers is at most 72 bytes; anything longer is refused before parsing.</summary>
    public const int MaximumSignatureSize = 72;

    public static bool TryCreate(KeyDescriptor key, [NotNullWhen(true)] out ISchemeVerifier? verifier, out string error)
    {
        verifier = null;
        if (!SubjectPublicKey.TryRead(key, out var spki, out _, out error)) return false;
        ECPublicKeyParameters point;
        try
        {
            point = (ECPublicKeyParameters)PublicKeyFactory.CreateKey(spki);
        }
        catch (Exception) // BouncyCastle validates the point on import and throws several types when it is off the curve.
        {
            error = "sm2-sm3: the public key is not a valid sm2p256v1 point";
            return false;
        }
        verifier = new Sm2Verifier(new ParametersWithID(point, Sm2UserId.Default));
        return true;
    }

    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length > MaximumSignatureSize) return false;
        var signer = new SM2Signer();
        signer.Init(forSigning: false, publicKey);
        signer.BlockUpdate(message);
        return signer.VerifySignature(signature.ToArray());
    }
}
