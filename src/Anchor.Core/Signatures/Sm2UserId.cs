namespace Anchor.Core.Signatures;

/// <summary>
/// The signer identity hashed into SM2's Z value. Anchor uses only the default of GB/T 35276 / GM/T 0009,
/// "1234567812345678" as ASCII, which Chinese CAs and signing devices use unless told otherwise.
/// </summary>
internal static class Sm2UserId
{
    public static byte[] Default => "1234567812345678"u8.ToArray();
}
