using System.Globalization;

namespace Anchor.Core.Identity;

/// <summary>
/// The unified social credit code (统一社会信用代码, GB 32100-2015): the 18-character registration number of a Chinese
/// company or organisation. Certificates carry it in free text fields, often behind a prefix ("NTRCN-", "N", "统一社会信用代码:"),
/// so it is found by its own structure rather than by position:
/// <list type="bullet">
/// <item>characters 1–2: registration authority and category, from the 31-character set without I, O, S, V, Z;</item>
/// <item>characters 3–8: the administrative division, six digits;</item>
/// <item>characters 9–17: the organisation code of GB 11714, whose ninth character is its own mod-11 check;</item>
/// <item>character 18: the mod-31 check over the first 17.</item>
/// </list>
/// Both checks must hold, and a valid citizen ID number (GB 11643, which shares length and alphabet) is never taken for
/// one, so a personal certificate does not print its holder's ID number as a company's code.
/// </summary>
public static class CreditCode
{
    public const int Length = 18;

    private const string Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    private static readonly int[] Weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]; // 3^(i-1) mod 31
    private static readonly int[] OrganizationWeights = [3, 7, 9, 10, 5, 8, 4, 2];
    private static readonly int[] CitizenIdWeights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    /// <summary>Whether <paramref name="code"/> is exactly one well-formed code (uppercase, both checks valid).</summary>
    public static bool IsValid(ReadOnlySpan<char> code)
    {
        if (code.Length != Length) return false;
        var sum = 0;
        for (var i = 0; i < Length; i++)
        {
            var value = Alphabet.IndexOf(code[i]);
            if (value < 0 || (i is >= 2 and <= 7 && value > 9)) return false;
            if (i < Length - 1) sum += value * Weights[i];
        }
        var check = (31 - sum % 31) % 31;
        return code[^1] == Alphabet[check] && OrganizationCodeValid(code[8..17]) && !IsCitizenId(code);
    }

    /// <summary>
    /// The first code in <paramref name="text"/>: the last 18 characters of a run of letters and digits, so that a prefix
    /// glued to the code ("N91350100M000100Y43") is skipped. Lowercase is read as uppercase.
    /// </summary>
    public static string? Find(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var upper = text.ToUpperInvariant();
        var start = 0;
        while (start < upper.Length)
        {
            if (!char.IsAsciiLetterOrDigit(upper[start]))
            {
                start++;
                continue;
            }
            var end = start;
            while (end < upper.Length && char.IsAsciiLetterOrDigit(upper[end])) end++;
            if (end - start >= Length && IsValid(upper.AsSpan(end - Length, Length))) return upper.Substring(end - Length, Length);
            start = end;
        }
        return null;
    }

    /// <summary>GB 11714: eight characters (digits, A=10 … Z=35) and a check character, 11 − (Σ mod 11), written X for 10 and 0 for 11.</summary>
    private static bool OrganizationCodeValid(ReadOnlySpan<char> code)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++)
            sum += (char.IsAsciiDigit(code[i]) ? code[i] - '0' : code[i] - 'A' + 10) * OrganizationWeights[i];
        var check = 11 - sum % 11;
        return code[8] == check switch { 10 => 'X', 11 => '0', _ => (char)('0' + check) };
    }

    /// <summary>GB 11643: seventeen digits (the 7th to 14th a birth date) and the ISO 7064 MOD 11-2 check, X for 10.</summary>
    private static bool IsCitizenId(ReadOnlySpan<char> code)
    {
        var sum = 0;
        for (var i = 0; i < 17; i++)
        {
            if (!char.IsAsciiDigit(code[i])) return false;
            sum += (code[i] - '0') * CitizenIdWeights[i];
        }
        return code[17] == "10X98765432"[sum % 11]
            && DateOnly.TryParseExact(code[6..14], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var born) && born.Year is >= 1800 and <= 2099;
    }
}
