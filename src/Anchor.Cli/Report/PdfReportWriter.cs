using Anchor.Core.Verification;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace Anchor.Cli.Report;

/// <summary>
/// Lays out an <see cref="EvidenceReport"/> as an A4 PDF: the verdict on top (a failure in red, never only in a table),
/// then who, what, when, where, every check, the trust roots and how to check again with a QR code. The bundle and the
/// trust file are attached (the document's EmbeddedFiles name tree), and the fonts are embedded as subsets.
/// </summary>
public sealed class PdfReportWriter
{
    private const double Margin = 48;
    private const double LabelWidth = 132;
    private static readonly XColor Ink = XColor.FromArgb(0x1f, 0x23, 0x28);
    private static readonly XColor Muted = XColor.FromArgb(0x57, 0x60, 0x6a);
    private static readonly XColor Rule = XColor.FromArgb(0xd0, 0xd7, 0xde);

    private sealed record Style(double Size, bool Bold = false, bool Mono = false);

    private static readonly Style Body = new(9);
    private static readonly Style Small = new(7.5);
    private static readonly Style Code = new(7.5, Mono: true);
    private static readonly Style Hash = new(8, Mono: true);
    private static readonly Style Label = new(8.5, Bold: true);
    private static readonly Style Heading = new(12, Bold: true);

    private readonly EvidenceReport _report;
    private readonly ReportLanguage _language;
    private readonly PdfDocument _document = new();
    private readonly Dictionary<(string, double, bool), XFont> _fonts = [];
    private XGraphics? _graphics;
    private double _y;

    private PdfReportWriter(EvidenceReport report, ReportLanguage language)
    {
        _report = report;
        _language = language;
    }

    private double PageWidth => 595.28;
    private double PageHeight => 841.89;
    private double ContentWidth => PageWidth - 2 * Margin;

    /// <summary>Writes the report to <paramref name="path"/>. <see cref="ReportFonts.TryInstall"/> must have succeeded.</summary>
    public static void Write(EvidenceReport report, ReportLanguage language, string path)
    {
        var writer = new PdfReportWriter(report, language);
        writer.Lay();
        using var output = File.Create(path);
        writer._document.Save(output);
    }

    private void Lay()
    {
        _document.Info.Title = $"{T(new("存证核验报告", "Evidence verification report"))} {_report.EvidenceNumber}";
        _document.Info.Subject = $"{EvidenceReport.Heading(_report.Verdict).In(_language)}: {_report.VerdictText}";
        _document.Info.Creator = "anchor report";
        NewPage();

        Text(T(new("存证核验报告", "Evidence Verification Report")), new Style(17, Bold: true), Ink);
        Text($"{T(new("证据编号", "Evidence number"))}: {_report.EvidenceNumber}", Body, Ink);
        Text($"{T(new("报告时间", "Report time"))}: {EvidenceReport.Time(_report.ReportTime).In(_language)}", Body, Muted);
        _y += 8;
        Verdict();
        foreach (var section in _report.Sections) Section(section);
        Steps();
        CheckAgain();
        Footers();
        foreach (var a in _report.Attachments) _document.AddEmbeddedFile(a.Name, new MemoryStream(a.Bytes, writable: false));
    }

    private static XColor VerdictColor(ReportVerdict verdict) => verdict switch
    {
        ReportVerdict.Passed => XColor.FromArgb(0x1a, 0x7f, 0x37),
        ReportVerdict.Failed => XColor.FromArgb(0xcf, 0x22, 0x2e),
        _ => XColor.FromArgb(0x9a, 0x67, 0x00),
    };

    private static XColor StatusColor(CheckStatus status) => status switch
    {
        CheckStatus.Pass => XColor.FromArgb(0x1a, 0x7f, 0x37),
        CheckStatus.Fail => XColor.FromArgb(0xcf, 0x22, 0x2e),
        CheckStatus.NotChecked => XColor.FromArgb(0x9a, 0x67, 0x00),
        _ => Muted,
    };

    /// <summary>The verdict as a coloured band across the page; the failed checks, each with its detail, right under it.</summary>
    private void Verdict()
    {
        var color = VerdictColor(_report.Verdict);
        var inner = ContentWidth - 24;
        var heading = new Style(20, Bold: true);
        var lines = Wrap($"{T(new("核验结论", "Result"))}: {EvidenceReport.Heading(_report.Verdict).In(_language)}", inner, heading).Select(l => (Text: l, Style: heading)).ToList();
        foreach (var p in Paragraphs(EvidenceReport.Explanation(_report.Verdict))) lines.AddRange(Wrap(p, inner, Body).Select(l => (l, Body)));
        lines.AddRange(Wrap(_report.VerdictText, inner, Small).Select(l => (l, Small)));
        var height = lines.Sum(l => LineHeight(l.Style)) + 20;
        Ensure(height);
        _graphics!.DrawRectangle(new XSolidBrush(color), Margin, _y, ContentWidth, height);
        var y = _y + 10;
        foreach (var (text, style) in lines)
        {
            y += LineHeight(style);
            Draw(text, Margin + 12, y - LineHeight(style) * 0.25, style, XColors.White);
        }
        _y += height + 8;
        if (_report.Failed.Count == 0) return;
        Text(T(new("不通过的检查", "Failed checks")), Heading, color);
        foreach (var step in _report.Failed)
        {
            Text($"✗ {T(step.Name)}", Label, color);
            Text(step.Detail, Code, Ink, indent: 12);
        }
        _y += 6;
    }

    private void Section(ReportSection section)
    {
        SectionHeading(T(section.Title));
        foreach (var row in section.Rows) Row(T(row.Label), T(row.Value), row.Authority is null ? null : T(row.Authority));
    }

    private void SectionHeading(string title)
    {
        Ensure(LineHeight(Heading) + 30);
        _y += 8;
        Text(title, Heading, Ink);
        _graphics!.DrawLine(new XPen(Rule, 0.8), Margin, _y + 1, Margin + ContentWidth, _y + 1);
        _y += 5;
    }

    /// <summary>A label in the left column, its value (and, smaller, on whose authority) in the right one.</summary>
    private void Row(string label, string value, string? authority)
    {
        var valueWidth = ContentWidth - LabelWidth;
        var labels = Wrap(label, LabelWidth - 8, Label);
        // A hash or an address on one line, in the monospaced face, rather than broken before its last digit.
        var style = value.Length >= 40 && !value.Contains(' ', StringComparison.Ordinal) ? Hash : Body;
        var values = Wrap(value, valueWidth, style);
        var notes = authority is null ? [] : Wrap(authority, valueWidth, Small);
        var height = Math.Max(labels.Count * LineHeight(Label), values.Count * LineHeight(style) + notes.Count * LineHeight(Small)) + 3;
        Ensure(height);
        var top = _y;
        Lines(labels, Margin, Label, Muted);
        _y = top;
        Lines(values, Margin + LabelWidth, style, Ink);
        Lines(notes, Margin + LabelWidth, Small, Muted);
        _y = top + height;
    }

    private void Steps()
    {
        SectionHeading(T(new("核验步骤", "Verification steps")));
        const double statusWidth = 92;
        foreach (var step in _report.Steps)
        {
            var width = ContentWidth - statusWidth;
            var status = Wrap(T(CheckWording.Status(step.Status)), statusWidth - 6, Label);
            var name = Wrap(T(step.Name), width, Label);
            var meaning = Paragraphs(step.Meaning).Where(p => p.Length > 0).SelectMany(p => Wrap(p, width, Small)).ToList();
            var detail = Wrap(step.Detail, width, Code);
            var height = Math.Max(status.Count * LineHeight(Label), name.Count * LineHeight(Label) + meaning.Count * LineHeight(Small) + detail.Count * LineHeight(Code)) + 5;
            Ensure(height);
            var top = _y;
            Lines(status, Margin, Label, StatusColor(step.Status));
            _y = top;
            Lines(name, Margin + statusWidth, Label, Ink);
            Lines(meaning, Margin + statusWidth, Small, Muted);
            Lines(detail, Margin + statusWidth, Code, Ink);
            _y = top + height;
        }
    }

    private void CheckAgain()
    {
        SectionHeading(T(new("如何再次核验", "How to check it again")));
        foreach (var p in Paragraphs(new("用 anchor 命令行（附件中有证据包和信任文件）：", "With the anchor command (the bundle and the trust file are attached to this PDF):")))
            Text(p, Body, Ink);
        Text(_report.Command, Code, Ink, indent: 12);
        _y += 4;
        if (_report.PageUrl is { } url)
        {
            const double side = 108;
            foreach (var p in Paragraphs(new("或在浏览器中打开核验页面（扫描二维码），载入证据包和信任文件：", "Or open the verification page (scan the QR code) and load the bundle and the trust file:")))
                Text(p, Body, Ink);
            Text(url, Code, Ink, indent: 12);
            Ensure(side + 6);
            using var image = XImage.FromStream(new MemoryStream(PageQrCode.Png(url)));
            _graphics!.DrawImage(image, Margin + 12, _y + 2, side, side);
            _y += side + 8;
        }
        else foreach (var p in Paragraphs(new("未知核验页面的地址：生成报告时用 --page-url 指定节点地址。", "No verification page address is known: give the node's URL with --page-url.")))
            Text(p, Body, Muted);
        Row(T(new("证据包 SHA-256", "bundle SHA-256")), _report.BundleSha256, null);
        foreach (var a in _report.Attachments)
            Row(T(new("附件", "attached file")), a.Name, $"{a.Description}, {a.Bytes.Length} bytes");
    }

    private void Footers()
    {
        var count = _document.PageCount;
        for (var i = 0; i < count; i++)
        {
            _graphics?.Dispose();
            _graphics = XGraphics.FromPdfPage(_document.Pages[i], XGraphicsPdfPageOptions.Append);
            var text = $"{T(new("证据编号", "Evidence"))} {_report.EvidenceNumber}  ·  {T(new($"第 {i + 1} 页，共 {count} 页", $"page {i + 1} of {count}"))}  ·  anchor report";
            Draw(text, Margin, PageHeight - 24, Small, Muted);
        }
        _graphics?.Dispose();
        _graphics = null;
    }

    // ---- text layout: Latin runs in DejaVu, CJK runs in Droid Sans Fallback, wrapped at spaces and between ideographs.

    private string T(Words words) => words.In(_language);

    /// <summary>A phrase for a paragraph of its own: in both languages, one paragraph each, Chinese first.</summary>
    private IEnumerable<string> Paragraphs(Words words) =>
        _language == ReportLanguage.ZhEn && words.Both is null && words.Zh != words.En ? [words.Zh, words.En] : [words.In(_language)];

    private XFont Font(string family, Style style)
    {
        var key = (family, style.Size, style.Bold);
        if (!_fonts.TryGetValue(key, out var font))
            _fonts[key] = font = new XFont(family, style.Size, style.Bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, new XPdfFontOptions(PdfFontEncoding.Unicode));
        return font;
    }

    private static IEnumerable<(string Text, bool Cjk)> Runs(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
            if (i == text.Length || ReportFonts.IsCjk(text[i]) != ReportFonts.IsCjk(text[start]))
            {
                yield return (text[start..i], ReportFonts.IsCjk(text[start]));
                start = i;
            }
    }

    private XFont RunFont(bool cjk, Style style) => Font(cjk ? ReportFonts.Cjk : style.Mono ? ReportFonts.Mono : ReportFonts.Sans, style);

    private double Width(string text, Style style) =>
        Runs(text).Sum(r => _graphics!.MeasureString(r.Text, RunFont(r.Cjk, style)).Width);

    private static double LineHeight(Style style) => style.Size * 1.42;

    /// <summary>Greedy line breaking: at spaces, between CJK characters, and inside a word (a hash) too long for a line.</summary>
    private List<string> Wrap(string text, double width, Style style)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Split('\n'))
        {
            var line = "";
            foreach (var token in Tokens(paragraph))
            {
                if (Width(line + token, style) <= width) { line += token; continue; }
                if (line.Trim().Length > 0) lines.Add(line.TrimEnd());
                line = token == " " ? "" : token;
                while (Width(line, style) > width && line.Length > 1)
                {
                    var fit = 1;
                    while (fit < line.Length && Width(line[..(fit + 1)], style) <= width) fit++;
                    lines.Add(line[..fit]);
                    line = line[fit..];
                }
            }
            lines.Add(line.TrimEnd());
        }
        return lines;
    }

    private static IEnumerable<string> Tokens(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != ' ' && !ReportFonts.IsCjk(text[i])) continue;
            if (i > start) yield return text[start..i];
            yield return text[i].ToString();
            start = i + 1;
        }
        if (start < text.Length) yield return text[start..];
    }

    private void Draw(string text, double x, double baseline, Style style, XColor color)
    {
        var brush = new XSolidBrush(color);
        foreach (var (run, cjk) in Runs(text))
        {
            var font = RunFont(cjk, style);
            _graphics!.DrawString(run, font, brush, x, baseline, XStringFormats.BaseLineLeft);
            x += _graphics.MeasureString(run, font).Width;
        }
    }

    private void Lines(IEnumerable<string> lines, double x, Style style, XColor color)
    {
        foreach (var line in lines)
        {
            _y += LineHeight(style);
            Draw(line, x, _y - LineHeight(style) * 0.25, style, color);
        }
    }

    private void Text(string text, Style style, XColor color, double indent = 0)
    {
        var lines = Wrap(text, ContentWidth - indent, style);
        foreach (var line in lines)
        {
            Ensure(LineHeight(style));
            Lines([line], Margin + indent, style, color);
        }
    }

    private void Ensure(double height)
    {
        if (_y + height > PageHeight - Margin - 12) NewPage();
    }

    private void NewPage()
    {
        _graphics?.Dispose();
        var page = _document.AddPage();
        page.Width = XUnit.FromPoint(PageWidth);
        page.Height = XUnit.FromPoint(PageHeight);
        _graphics = XGraphics.FromPdfPage(page);
        _y = Margin;
    }
}
