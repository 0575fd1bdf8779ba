namespace Anchor.Core.Signatures;

/// <summary>
/// Standard base64 (RFC 4648 section 4), the spelling of keys and signatures in Anchor JSON (DESIGN A2), read strictly:
/// padded, no whitespace, zero padding bits. .NET's decoder also accepts whitespace anywhere and non-zero padding bits,
/// so several strings would decode to one value and a stored entry would keep whichever spelling a client sent.
/// </summary>
public static class StandardBase64
{
    /// <summary>True only for the one canonical spelling of some bytes (what <see cref="Convert.ToBase64String(byte[])"/> writes).</summary>
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        // Canonical text is a whole number of padded quads of the base64 alphabet; anything else is refused before decoding.
        if (text is null || text.Length % 4 != 0) return false;
        var buffer = new byte[text.Length / 4 * 3];
        if (!Convert.TryFromBase64String(text, buffer, out var written)) return false;
        // Re-encoding is the canonical spelling: equal to the input only without whitespace and with zero padding bits.
        if (!string.Equals(Convert.ToBase64String(buffer, 0, written), text, StringComparison.Ordinal)) return false;
        bytes = buffer[..written];
        return true;
    }
}
