using System.Globalization;

namespace Anchor.Core.Signatures;

/// <summary>
/// The EIP-191 version 0x45 ("personal_sign") digest that wallets sign:
/// keccak256("\x19Ethereum Signed Message:\n" || decimal byte length of the message || message).
/// </summary>
internal static class EthereumPersonalMessage
{
    // Written with \u0019: in C# "\x19E…" would read as the single escape \x19E, since E is a hex digit.
    private static ReadOnlySpan<byte> Prefix => "\u0019Ethereum Signed Message:\n"u8;

    public static void Hash(ReadOnlySpan<byte> message, Span<byte> digest)
    {
        Span<byte> header = stackalloc byte[Prefix.Length + 10]; // int.MaxValue has 10 digits
        Prefix.CopyTo(header);
        message.Length.TryFormat(header[Prefix.Length..], out var digits, default, CultureInfo.InvariantCulture);
        Keccak256.Hash(header[..(Prefix.Length + digits)], message, digest);
    }
}
