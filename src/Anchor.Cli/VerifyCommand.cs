using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor verify BUNDLE [--file F] [--log-key VKEY] [--rpc CHAINID=URL ...] [--min-confirmations K] [--json]</c>: runs every check of a proof bundle,
/// prints each with ✓, ✗ or – (not checked) and the values compared, then a verdict. Exit 0 only when all pass.
/// </summary>
public static class VerifyCommand
{
    public static Command Build()
    {
        var bundleArg = new Argument<string>("BUNDLE") { Description = "The proof bundle (anchor-proof/v1 JSON)." };
        var file = new Option<string?>("--file") { Description = "The original document: its digest must equal the evidence hash." };
        var logKey = new Option<string?>("--log-key") { Description = "The log's verifier key as published by its operator. Without it the bundle's own key is trusted on first use." };
        var minConfirmations = new Option<int>("--min-confirmations") { Description = "Confirmations an anchor needs.", DefaultValueFactory = _ => 1 };
        var rpc = RpcOption.Create();
        var command = new Command("verify", "Verify a proof bundle offline (and its anchors on chain when an RPC is given).")
        {
            bundleArg, file, logKey, minConfirmations, rpc,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            if (!CliErrors.TryRead(parseResult, parseResult.GetValue(bundleArg)!, out var text, out var exit)) return exit;
            ProofBundle bundle;
            try { bundle = ProofBundle.FromJson(Jcs.ParseStrict(text)); }
            catch (AnchorException e) { return CliErrors.Fail(parseResult, $"not a valid proof bundle: {e.Message}", "bundle_malformed"); }

            if (!RpcOption.TryParse(parseResult, rpc, out var chains, out exit)) return exit;

            FileStream? document = null;
            if (parseResult.GetValue(file) is { } path)
            {
                try { document = File.OpenRead(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}");
                }
            }
            VerificationReport report;
            using (document)
            {
                report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions
                {
                    File = document,
                    TrustedLogKey = parseResult.GetValue(logKey),
                    MinConfirmations = parseResult.GetValue(minConfirmations),
                    Chains = chains,
                }, ct);
            }
            Print(parseResult, report);
            return report.AllPassed ? 0 : 1;
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
            output.WriteLine(new JsonObject { ["ok"] = report.AllPassed, ["checks"] = checks, ["verdict"] = report.Verdict }.ToJsonString());
            return;
        }
        foreach (var c in report.Checks)
        {
            var mark = c.Status switch { CheckStatus.Pass => "✓", CheckStatus.Fail => "✗", _ => "–" };
            output.WriteLine($"{mark} {c.Name}: {c.Detail}");
        }
        output.WriteLine();
        output.WriteLine($"verdict: {report.Verdict}");
    }
}
