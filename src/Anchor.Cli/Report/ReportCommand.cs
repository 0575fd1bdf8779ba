using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace Anchor.Cli.Report;

/// <summary>
/// <c>anchor report BUNDLE --trust FILE [--file F] [--rpc CHAINID=URL ...] -o OUT.pdf|OUT.html [--lang zh|en|zh+en]
/// [--page-url URL]</c>: runs the verification <c>anchor verify</c> runs and writes it as an evidence report
/// (出证报告) a court can read. The report is written whatever the outcome; the exit code is the verifier's.
/// </summary>
public static class ReportCommand
{
    public static Command Build()
    {
        var arguments = new VerifyArguments();
        var output = new Option<string>("--output", "-o") { Description = "The report to write: a .pdf or an .html file.", Required = true };
        var lang = new Option<string>("--lang") { Description = "zh, en or zh+en (Chinese first).", DefaultValueFactory = _ => "zh+en" };
        lang.AcceptOnlyFromAmong("zh", "en", "zh+en");
        var pageUrl = new Option<string?>("--page-url")
        {
            Description = "The node's URL, whose /verify page the report's QR code points at (URL/verify#ORIGIN/LEAFINDEX). Default: https:// and the log origin's host.",
        };
        var command = new Command("report", "Verify a proof bundle as `anchor verify` does and write the result as an evidence report (PDF or HTML, Chinese and English). " +
                                            "The report is written whatever the result. " + VerifyCommand.ExitCodes);
        arguments.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(lang);
        command.Options.Add(pageUrl);
        command.SetAction(async (parseResult, ct) =>
        {
            var path = parseResult.GetValue(output)!;
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is not (".pdf" or ".html" or ".htm"))
                return CliErrors.Usage(CliErrors.Fail(parseResult, $"-o {path}: the report is a .pdf or an .html file"));
            if (parseResult.GetValue(pageUrl) is { } page && !(Uri.TryCreate(page, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"))
                return CliErrors.Usage(CliErrors.Fail(parseResult, $"--page-url takes an http(s) URL, got '{page}'"));
            if (extension == ".pdf" && !ReportFonts.TryInstall(out var fontError))
                return CliErrors.Usage(CliErrors.Fail(parseResult, fontError));

            var (verified, exit) = await VerifyCommand.VerifyAsync(parseResult, arguments, ct);
            if (verified is null) return exit;
            var trustPath = parseResult.GetValue(arguments.Trust);
            var trustBytes = trustPath is null ? null : await File.ReadAllBytesAsync(trustPath, ct);
            var language = Words.ParseLanguage(parseResult.GetValue(lang)!);
            var report = EvidenceReport.Build(verified, new ReportInputs(
                Path.GetFileName(parseResult.GetValue(arguments.Bundle)!),
                trustPath is null ? null : Path.GetFileName(trustPath),
                trustBytes,
                parseResult.GetValue(arguments.File) is { } file ? Path.GetFileName(file) : null,
                parseResult.GetValue(pageUrl),
                Recheck(parseResult, arguments)), DateTimeOffset.UtcNow);
            try
            {
                if (extension == ".pdf") PdfReportWriter.Write(report, language, path);
                else
                {
                    var bundleJson = new StreamReader(new MemoryStream(verified.BundleBytes), detectEncodingFromByteOrderMarks: true).ReadToEnd();
                    // With --log-key there is no trust file: the page gets the one-key trust file it stands for.
                    var trustJson = trustBytes is not null ? Encoding.UTF8.GetString(trustBytes) : verified.Trust?.ToJson().ToJsonString();
                    HtmlReportWriter.Write(report, language, path, bundleJson, trustJson);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return CliErrors.Usage(CliErrors.Fail(parseResult, $"cannot write {path}: {e.Message}"));
            }
            var heading = EvidenceReport.Heading(report.Verdict).In(language);
            if (parseResult.GetValue(GlobalOptions.Json))
                parseResult.InvocationConfiguration.Output.WriteLine(new JsonObject
                {
                    ["ok"] = verified.Report.AllPassed,
                    ["outcome"] = verified.Report.Outcome.ToString().ToLowerInvariant(),
                    ["report"] = path,
                    ["verdict"] = verified.Report.Verdict,
                }.ToJsonString());
            else
            {
                parseResult.InvocationConfiguration.Output.WriteLine($"{heading}: {path}");
                parseResult.InvocationConfiguration.Output.WriteLine($"verdict: {verified.Report.Verdict}");
            }
            return verified.Report.ExitCode;
        });
        return command;
    }

    /// <summary>The `anchor verify` command that checks the same bundle again, with the attachments' names.</summary>
    private static string Recheck(ParseResult parseResult, VerifyArguments arguments)
    {
        var line = new StringBuilder("anchor verify ").Append(Quote(Path.GetFileName(parseResult.GetValue(arguments.Bundle)!)));
        if (parseResult.GetValue(arguments.Trust) is { } trust) line.Append(" --trust ").Append(Quote(Path.GetFileName(trust)));
        if (parseResult.GetValue(arguments.LogKey) is { } key) line.Append(" --log-key ").Append(Quote(key));
        if (parseResult.GetValue(arguments.File) is { } file) line.Append(" --file ").Append(Quote(Path.GetFileName(file)));
        foreach (var rpc in parseResult.GetValue(arguments.Rpc) ?? []) line.Append(" --rpc ").Append(Quote(rpc));
        if (parseResult.GetValue(arguments.MinConfirmations) is var k and not 1) line.Append(" --min-confirmations ").Append(k);
        if (parseResult.GetValue(arguments.AllowUntrusted)) line.Append(" --allow-untrusted");
        return line.ToString();
    }

    private static string Quote(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=+@".Contains(c)) ? text : "'" + text.Replace("'", "'\\''") + "'";
}
