using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

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
        var bundleArg = new Argument<string>("BUNDLE") { Description = "The proof bundle (anchor-proof/v1 JSON)." };
        var file = new Option<string?>("--file") { Description = "The original document: its digest must equal the evidence hash." };
        var trust = TrustOptions.CreateTrust();
        var logKey = TrustOptions.CreateLogKey();
        var allowUntrusted = TrustOptions.CreateAllowUntrusted();
        var minConfirmations = new Option<int>("--min-confirmations") { Description = "Confirmations an anchor needs.", DefaultValueFactory = _ => 1 };
        var rpc = RpcOption.Create();
        var command = new Command("verify", "Verify a proof bundle offline against the roots you trust (and its anchors on chain when an RPC is given). " + ExitCodes)
        {
            bundleArg, file, trust, logKey, allowUntrusted, minConfirmations, rpc,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            if (!BundleFile.TryRead(parseResult, parseResult.GetValue(bundleArg)!, out var bundle, out var exit)) return exit;
            if (!TrustOptions.TryRead(parseResult, trust, logKey, out var trustFile, out exit)) return CliErrors.Usage(exit);
            if (!RpcOption.TryParse(parseResult, rpc, out var chains, out exit)) return CliErrors.Usage(exit);

            FileStream? document = null;
            if (parseResult.GetValue(file) is { } path)
            {
                try { document = File.OpenRead(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Usage(CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}"));
                }
            }
            VerificationReport report;
            using (document)
            {
                report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions
                {
                    File = document,
                    Trust = trustFile,
                    AllowUntrusted = parseResult.GetValue(allowUntrusted),
                    MinConfirmations = parseResult.GetValue(minConfirmations),
                    Chains = chains,
                }, ct);
            }
            Print(parseResult, report);
            return report.ExitCode;
        });
        return command;
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
