using System.Security.Cryptography;
using Anchor.Core.Records;
using Org.BouncyCastle.Crypto.Digests;

namespace Anchor.Core.Timestamping;

/// <summary>
/// The hashes a TSA is asked to time-stamp with: SHA-256, or SM3 for TSAs that work under the Chinese national
/// standards. The message imprint is always the hash of a checkpoint body (the note text before the blank line,
/// final newline included), so cosignatures added to the note later do not invalidate it.
/// </summary>
public static class TsaHashAlg
{
    public const string Sha256 = "sha256";
    public const string Sm3 = "sm3";

    public const string Sha256Oid = "2.16.840.1.101.3.4.2.1";
    public const string Sm3Oid = "1.2.156.10197.1.401";

    public static bool IsKnown(string hashAlg) => hashAlg is Sha256 or Sm3;

    public static string Oid(string hashAlg) => hashAlg switch
    {
        Sha256 => Sha256Oid,
        Sm3 => Sm3Oid,
        _ => throw new AnchorException(ErrorCodes.Malformed, $"unknown time-stamp hashAlg '{JsonFields.Short(hashAlg)}' (sha256 or sm3)"),
    };

    /// <summary>The name of a message imprint's hash OID, or the OID itself when it is neither.</summary>
    public static string NameOf(string oid) => oid switch
    {
        Sha256Oid => Sha256,
        Sm3Oid => Sm3,
        _ => oid,
    };

    public static byte[] Digest(string hashAlg, ReadOnlySpan<byte> data)
    {
        if (hashAlg == Sha256) return SHA256.HashData(data);
        if (hashAlg != Sm3) Oid(hashAlg); // Throws the error that names the unknown algorithm.
        var sm3 = new SM3Digest();
        sm3.BlockUpdate(data);
        var result = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(result, 0);
        return result;
    }

    /// <summary>The imprint a TSA signs for a checkpoint: the hash of its body, the signed note's text.</summary>
    public static byte[] CheckpointImprint(string hashAlg, string checkpointNote) =>
        Digest(hashAlg, Checkpoints.SignedNote.TextBytes(checkpointNote));
}
