using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>The arguments <c>anchor verify</c> takes, shared with <c>anchor report</c> so that both run the same verification.</summary>
public sealed class VerifyArguments
{
    public Argument<string> Bundle { get; } = new("BUNDLE") { Description = "The proof bundle (anchor-proof/v1 JSON)." };
    public Option<string?> File { get; } = new("--file") { Description = "The original document: its digest must equal the evidence hash." };
    public Option<string?> Trust { get; } = TrustOptions.CreateTrust();
    public Option<string?> LogKey { get; } = TrustOptions.CreateLogKey();
    public Option<bool> AllowUntrusted { get; } = TrustOptions.CreateAllowUntrusted();
    public Option<int> MinConfirmations { get; } = new("--min-confirmations") { Description = "Confirmations an anchor needs.", DefaultValueFactory = _ => 1 };
    public Option<string[]> Rpc { get; } = RpcOption.Create();

    public void AddTo(Command command)
    {
        command.Arguments.Add(Bundle);
        foreach (var option in new Option[] { File, Trust, LogKey, AllowUntrusted, MinConfirmations, Rpc }) command.Options.Add(option);
    }
}

/// <summary>A bundle as <c>anchor verify</c> read and checked it: the bytes read, what they parse to, and the report.</summary>
public sealed record VerifiedBundle(byte[] BundleBytes, ProofBundle Bundle, TrustFile? Trust, VerificationReport Report);

/// <summary>
/// <c>anchor verify BUNDLE --trust FILE [--file F] [--rpc CHAINID=URL ...] [--min-confirmations K] [--json]</c>: runs every
/// check of a proof bundle against the roots the verifier chose, prints each with ✓, ✗ or – (not checked) and the
/// values compared, then a summary and a verdict.
/// </summary>
public static class VerifyCommand
{
    /// <summary>Exit codes, as <c>--help</c> and docs/verification.md list them.</summary>
    public const string ExitCodes = "Exit codes: 0 every check passed against trusted roots; 1 a check failed; 2 usage error (bad arguments, unreadable or malformed input); 3 not verifiable against a trusted root (no --trust or --log-key, the log is not in the trust file, or --allow-untrusted).";

    public static Command Build()
    {
        var arguments = new VerifyArguments();
        var command = new Command("verify", "Verify a proof bundle offline against the roots you trust (and its anchors on chain when an RPC is given). " + ExitCodes);
        arguments.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            var (verified, exit) = await VerifyAsync(parseResult, arguments, ct);
            if (verified is null) return exit;
            Print(parseResult, verified.Report);
            return verified.Report.ExitCode;
        });
        return command;
    }

    /// <summary>
    /// Reads the bundle, the trust roots, the RPCs and the document the arguments name and runs Core's verifier; null
    /// with exit code 2 (the error printed) when an input cannot be used.
    /// </summary>
    public static async Task<(VerifiedBundle? Verified, int ExitCode)> VerifyAsync(ParseResult parseResult, VerifyArguments arguments, CancellationToken ct)
    {
        var bundlePath = parseResult.GetValue(arguments.Bundle)!;
        byte[] bytes;
        try { bytes = System.IO.File.ReadAllBytes(bundlePath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, CliErrors.Usage(CliErrors.Fail(parseResult, e is FileNotFoundException ? $"{bundlePath} does not exist" : $"cannot read {bundlePath}: {e.Message}")));
        }
        // As File.ReadAllText reads it (a byte order mark is dropped); the bytes themselves are what a report hashes.
        var text = new StreamReader(new MemoryStream(bytes), detectEncodingFromByteOrderMarks: true).ReadToEnd();
        ProofBundle bundle;
        try { bundle = ProofBundle.FromJson(Jcs.ParseStrict(text)); }
        catch (AnchorException e) { return (null, CliErrors.Usage(CliErrors.Fail(parseResult, $"not a valid proof bundle: {e.Message}", "bundle_malformed"))); }
        if (!TrustOptions.TryRead(parseResult, arguments.Trust, arguments.LogKey, out var trustFile, out var exit)) return (null, CliErrors.Usage(exit));
        if (!RpcOption.TryParse(parseResult, arguments.Rpc, out var chains, out exit)) return (null, CliErrors.Usage(exit));

        FileStream? document = null;
        if (parseResult.GetValue(arguments.File) is { } path)
        {
            try { document = System.IO.File.OpenRead(path); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, CliErrors.Usage(CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}")));
            }
        }
        using (document)
        {
            var report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions
            {
                File = document,
                Trust = trustFile,
                AllowUntrusted = parseResult.GetValue(arguments.AllowUntrusted),
                MinConfirmations = parseResult.GetValue(arguments.MinConfirmations),
                Chains = chains,
            }, ct);
            return (new VerifiedBundle(bytes, bundle, trustFile, report), report.ExitCode);
        }
    }

    public static void Print(ParseResult parseResult, VerificationReport report)
    {
        var output = parseResult.InvocationConfiguration.Output;
        if (parseResult.GetValue(GlobalOptions.Json))
        {
            var checks = new JsonArray();
            foreach (var c in report.Checks)
                checks.Add(new JsonObject { ["name"] = c.Name, ["status"] = c.Status.ToString().ToLowerInvariant(), ["detail"] = c.Detail });
            var summary = new JsonArray();
            foreach (var line in report.Summary) summary.Add(new JsonObject { ["label"] = line.Label, ["text"] = line.Text });
            output.WriteLine(JsonOutput.Line(new JsonObject
            {
                ["ok"] = report.AllPassed,
                ["outcome"] = report.Outcome.ToString().ToLowerInvariant(),
                ["checks"] = checks,
                ["summary"] = summary,
                ["verdict"] = report.Verdict,
            }));
            return;
        }
        foreach (var c in report.Checks)
        {
            var mark = c.Status switch { CheckStatus.Pass => "✓", CheckStatus.Fail => "✗", _ => "–" }; // – : not checked, or a fact that is no check
            output.WriteLine($"{mark} {c.Name}: {c.Detail}");
        }
        output.WriteLine();
        var width = report.Summary.Max(l => l.Label.Length);
        foreach (var line in report.Summary) output.WriteLine($"{(line.Label + ":").PadRight(width + 1)} {line.Text}");
        output.WriteLine();
        output.WriteLine($"verdict: {report.Verdict}");
    }
}
