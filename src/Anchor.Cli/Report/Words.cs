namespace Anchor.Cli.Report;

/// <summary>The languages of a report: <c>zh</c>, <c>en</c>, or both with Chinese first (the default).</summary>
public enum ReportLanguage { Zh, En, ZhEn }

/// <summary>
/// One phrase in Chinese and English. Values that are the same in both (hashes, numbers, names) have Zh == En and print
/// once; <paramref name="Both"/> overrides the "中文 / English" joining where that would repeat a value.
/// </summary>
public sealed record Words(string Zh, string En, string? Both = null)
{
    public static Words Same(string text) => new(text, text);

    public string In(ReportLanguage language) => language switch
    {
        ReportLanguage.Zh => Zh,
        ReportLanguage.En => En,
        _ => Both ?? (Zh == En ? Zh : $"{Zh} / {En}"),
    };

    public static ReportLanguage ParseLanguage(string text) => text switch
    {
        "zh" => ReportLanguage.Zh,
        "en" => ReportLanguage.En,
        "zh+en" => ReportLanguage.ZhEn,
        _ => throw new ArgumentException($"--lang takes zh, en or zh+en, got '{text}'"),
    };
}
