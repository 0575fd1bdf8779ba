namespace Anchor.Core;

/// <summary>Lowercase hex, the one spelling of hashes in every Anchor JSON format (DESIGN A2).</summary>
public static class Hex
{
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>Lowercase hex as UTF-8 into <paramref name="destination"/> (2 bytes per byte), without a string.</summary>
    public static void EncodeUtf8(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        if (!Convert.TryToHexStringLower(bytes, destination, out _)) throw new ArgumentException("destination is too short", nameof(destination));
    }

    /// <summary>Decodes hex of any case; an optional 0x prefix is accepted only when <paramref name="allowPrefix"/>.</summary>
    public static bool TryDecode(string? text, out byte[] bytes, bool allowPrefix = false)
    {
        bytes = [];
        if (text is null) return false;
        var span = text.AsSpan();
        if (allowPrefix && span.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) span = span[2..];
        if (span.Length % 2 != 0) return false;
        var result = new byte[span.Length / 2];
        if (Convert.FromHexString(span, result, out _, out var written) != System.Buffers.OperationStatus.Done || written != result.Length)
            return false;
        bytes = result;
        return true;
    }

    /// <summary>Decodes hex that must be lowercase and exactly <paramref name="length"/> bytes (or any length when -1).</summary>
    public static bool TryDecodeCanonical(string? text, int length, out byte[] bytes)
    {
        bytes = [];
        if (text is null || (length >= 0 && text.Length != length * 2)) return false;
        foreach (var c in text)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        return TryDecode(text, out bytes);
    }

    public static byte[] Decode(string text, bool allowPrefix = false) =>
        TryDecode(text, out var bytes, allowPrefix) ? bytes : throw new FormatException($"not hex: '{Truncate(text)}'");

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
