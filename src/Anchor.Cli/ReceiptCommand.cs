using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor receipt verify FILE --trust FILE</c>: checks what the node answered to a submission, against the roots the
/// verifier chose: the answer to one record (its entry's leaf hash too) or to a batch, or a receipt alone
/// (docs/formats.md). A receipt proves that records are in the log's tree; the proof bundle adds who and when.
/// </summary>
public static class ReceiptCommand
{
    public static Command Build()
    {
        var fileArg = new Argument<string>("FILE") { Description = "The node's answer to POST /v1/evidence or /v1/evidence/batch, or one receipt." };
        var trust = TrustOptions.CreateTrust();
        var logKey = TrustOptions.CreateLogKey();
        var verify = new Command("verify", "Verify a receipt: its proof folds to a checkpoint signed by a log key you trust. " + VerifyCommand.ExitCodes)
        {
            fileArg, trust, logKey,
        };
        verify.SetAction(parseResult =>
        {
            if (!CliErrors.TryRead(parseResult, parseResult.GetValue(fileArg)!, out var text, out var exit)) return CliErrors.Usage(exit);
            if (!TrustOptions.TryRead(parseResult, trust, logKey, out var trustFile, out exit)) return CliErrors.Usage(exit);
            var options = new VerifyOptions { Trust = trustFile };
            List<VerificationReport> reports;
            try { reports = Verify(Jcs.ParseStrict(text) as JsonObject, options); }
            catch (AnchorException e) { return CliErrors.Usage(CliErrors.Fail(parseResult, $"not a receipt or a submission answer: {e.Message}", "receipt_malformed")); }
            foreach (var report in reports) VerifyCommand.Print(parseResult, report);
            return reports.Max(r => r.ExitCode);
        });
        return new Command("receipt", "Receipts: what the node answers to a submission.") { verify };
    }

    /// <summary>One report per receipt in <paramref name="json"/>, whichever of the four shapes it has.</summary>
    private static List<VerificationReport> Verify(JsonObject? json, VerifyOptions options)
    {
        if (json is null) throw new AnchorException(ErrorCodes.Malformed, "the file must hold a JSON object");
        if (json["receipts"] is JsonArray batch)
        {
            if (json.Count != 1 || batch.Count == 0) throw new AnchorException(ErrorCodes.Malformed, "a batch answer is { receipts: [batch receipt, ...] }");
            return [.. batch.Select(r => ReceiptVerifier.Verify(BatchReceipt.FromJson(r), options))];
        }
        if (json["receipt"] is JsonObject receipt)
        {
            // A single record's answer: the receipt proves the leaf hash, and the entry must hash to it.
            var entry = json["entry"] is { } e ? LogEntry.FromJson(e) : null;
            return [ReceiptVerifier.Verify(Receipt.FromJson(receipt), options, entry)];
        }
        return json.ContainsKey("range")
            ? [ReceiptVerifier.Verify(BatchReceipt.FromJson(json), options)]
            : [ReceiptVerifier.Verify(Receipt.FromJson(json), options)];
    }
}
