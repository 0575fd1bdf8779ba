namespace Anchor.Core.Signatures;

/// <summary>Standard base64 (RFC 4648 section 4, padded), the spelling of keys and signatures in Anchor JSON (DESIGN A2).</summary>
internal static class StandardBase64
{
    public static bool TryDecode(string? text, out byte[] bytes)
    {
        bytes = [];
        if (text is null) return false;
        var buffer = new byte[text.Length * 3 / 4];
        if (!Convert.TryFromBase64String(text, buffer, out var written)) return false;
        bytes = buffer[..written];
        return true;
    }
}
