using System.Globalization;

namespace Anchor.Core.Records;

/// <summary>RFC 3339 UTC with milliseconds, the one time format of Anchor's JSON: 2026-11-26T11:00:00.000Z.</summary>
public static class Times
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public static string ToText(DateTimeOffset time) => time.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture);

    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (text is null || !DateTime.TryParseExact(text, Format, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var utc))
            return false;
        time = new DateTimeOffset(utc, TimeSpan.Zero);
        return true;
    }
}
