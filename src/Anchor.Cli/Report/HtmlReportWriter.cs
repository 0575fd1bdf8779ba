using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Anchor.Core.Verification;

namespace Anchor.Cli.Report;

/// <summary>
/// Writes an <see cref="EvidenceReport"/> as one self-contained HTML file: the verification page
/// (src/Anchor.Node/wwwroot/verify.html, built into the CLI) with the report section inside its
/// <c>&lt;div id="anchor-report"&gt;</c>, and the bundle and the trust file as the page's preload scripts
/// (<c>anchor-preload-bundle</c>, <c>anchor-preload-trust</c>), so that, opened from disk, it verifies itself again.
/// </summary>
public static class HtmlReportWriter
{
    /// <summary>The page's empty report element, whatever other attributes it carries.</summary>
    private static readonly Regex Slot = new("""(?<open><div id="anchor-report"[^>]*>)\s*</div>""", RegexOptions.CultureInvariant);
    private const string PageResource = "Anchor.Cli.Report.verify.html";

    public static void Write(EvidenceReport report, ReportLanguage language, string path, string bundleJson, string? trustJson) =>
        File.WriteAllText(path, Render(report, language, bundleJson, trustJson), new UTF8Encoding(false));

    public static string Render(EvidenceReport report, ReportLanguage language, string bundleJson, string? trustJson)
    {
        string page;
        using (var stream = typeof(HtmlReportWriter).Assembly.GetManifestResourceStream(PageResource)
                            ?? throw new InvalidOperationException($"{PageResource} is not built into the CLI"))
        using (var reader = new StreamReader(stream))
            page = reader.ReadToEnd();
        // The element right after <body>, not a string of the same text in a script of the page's head.
        var body = page.IndexOf("<body", StringComparison.OrdinalIgnoreCase);
        var slot = Slot.Match(page, Math.Max(0, body));
        if (!slot.Success) throw new InvalidOperationException("the verification page built into the CLI has no empty <div id=\"anchor-report\">");
        var insert = new StringBuilder();
        insert.Append(slot.Groups["open"].Value).Append(Section(report, language)).Append("</div>\n");
        insert.Append(Preload("anchor-preload-bundle", bundleJson));
        if (trustJson is not null) insert.Append(Preload("anchor-preload-trust", trustJson));
        return page[..slot.Index] + insert + page[(slot.Index + slot.Length)..];
    }

    /// <summary>
    /// JSON inside a script element: the HTML parser ends the element at the first <c>&lt;/script</c> and treats
    /// <c>&lt;!--</c> specially, whatever JSON string they stand in. JSON has <c>&lt;</c> only inside strings, where
    /// <c>\u003c</c> means the same, so every one is written that way.
    /// </summary>
    public static string ScriptJson(string json) => json.Replace("<", "\\u003c", StringComparison.Ordinal);

    private static string Preload(string id, string json) =>
        $"<script type=\"application/json\" id=\"{id}\">{ScriptJson(json)}</script>\n";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Color(ReportVerdict verdict) => verdict switch
    {
        ReportVerdict.Passed => "#1a7f37",
        ReportVerdict.Failed => "#cf222e",
        _ => "#9a6700",
    };

    private static string Color(CheckStatus status) => status switch
    {
        CheckStatus.Pass => "#1a7f37",
        CheckStatus.Fail => "#cf222e",
        CheckStatus.NotChecked => "#9a6700",
        _ => "#57606a",
    };

    private static string Section(EvidenceReport report, ReportLanguage language)
    {
        string T(Words w) => E(w.In(language));
        var html = new StringBuilder();
        html.Append("<section class=\"anchor-report\" style=\"font-family:sans-serif;max-width:60rem;margin:1rem auto;color:#1f2328\">");
        html.Append($"<h1>{T(new("存证核验报告", "Evidence Verification Report"))}</h1>");
        html.Append($"<p>{T(new("证据编号", "Evidence number"))}: <b>{E(report.EvidenceNumber)}</b><br>{T(new("报告时间", "Report time"))}: {T(EvidenceReport.Time(report.ReportTime))}</p>");
        html.Append($"<div id=\"anchor-report-verdict\" data-verdict=\"{report.Verdict.ToString().ToLowerInvariant()}\" style=\"background:{Color(report.Verdict)};color:#fff;padding:.8rem 1rem;border-radius:4px\">");
        html.Append($"<div style=\"font-size:1.6rem;font-weight:bold\">{T(new("核验结论", "Result"))}: {T(EvidenceReport.Heading(report.Verdict))}</div>");
        html.Append($"<p>{T(EvidenceReport.Explanation(report.Verdict))}</p><p style=\"font-size:.8rem\">{E(report.VerdictText)}</p></div>");
        if (report.Failed.Count > 0)
        {
            html.Append($"<h2 style=\"color:{Color(ReportVerdict.Failed)}\">{T(new("不通过的检查", "Failed checks"))}</h2><ul>");
            foreach (var step in report.Failed) html.Append($"<li><b>✗ {T(step.Name)}</b>: <code>{E(step.Detail)}</code></li>");
            html.Append("</ul>");
        }
        foreach (var section in report.Sections)
        {
            html.Append($"<h2>{T(section.Title)}</h2><table style=\"border-collapse:collapse;width:100%\">");
            foreach (var row in section.Rows)
            {
                html.Append($"<tr><th style=\"text-align:left;vertical-align:top;width:12rem;color:#57606a\">{T(row.Label)}</th><td style=\"word-break:break-all\">{T(row.Value)}");
                if (row.Authority is not null) html.Append($"<br><small style=\"color:#57606a\">{T(row.Authority)}</small>");
                html.Append("</td></tr>");
            }
            html.Append("</table>");
        }
        html.Append($"<h2>{T(new("核验步骤", "Verification steps"))}</h2><table style=\"border-collapse:collapse;width:100%\">");
        foreach (var step in report.Steps)
            html.Append($"<tr><td style=\"vertical-align:top;width:8rem;font-weight:bold;color:{Color(step.Status)}\">{T(CheckWording.Status(step.Status))}</td>" +
                        $"<td><b>{T(step.Name)}</b><br><small style=\"color:#57606a\">{T(step.Meaning)}</small><br><code style=\"word-break:break-all;font-size:.75rem\">{E(step.Detail)}</code></td></tr>");
        html.Append("</table>");
        html.Append($"<h2>{T(new("如何再次核验", "How to check it again"))}</h2>");
        html.Append($"<p>{T(new("本页下方的核验页面已载入证据包和信任文件，在浏览器中重新核验。也可以用 anchor 命令行：", "The verification page below has loaded the bundle and the trust file and verifies them again in your browser. Or with the anchor command:"))}</p>");
        html.Append($"<pre style=\"white-space:pre-wrap\">{E(report.Command)}</pre>");
        if (report.PageUrl is { } url)
        {
            var png = Convert.ToBase64String(PageQrCode.Png(url));
            html.Append($"<p>{T(new("核验页面", "Verification page"))}: <a href=\"{E(url)}\">{E(url)}</a></p><img alt=\"QR\" width=\"150\" height=\"150\" src=\"data:image/png;base64,{png}\">");
        }
        html.Append($"<p>{T(new("证据包 SHA-256", "bundle SHA-256"))}: <code>{E(report.BundleSha256)}</code></p>");
        html.Append("</section>");
        return html.ToString();
    }
}
