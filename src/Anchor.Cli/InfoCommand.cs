using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Timestamping;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor info BUNDLE [--json]</c>: what a proof bundle says, in a few lines (origin, leaf, provider, hash, contract,
/// times, anchors and time-stamps present), read without verifying anything: <c>anchor verify</c> decides whether to believe it.
/// </summary>
public static class InfoCommand
{
    private const string Unverified = "not verified: this is what the bundle claims; check it with `anchor verify BUNDLE --trust FILE`";

    public static Command Build()
    {
        var bundleArg = new Argument<string>("BUNDLE") { Description = "The proof bundle (anchor-proof/v1 JSON)." };
        var command = new Command("info", "Summarize a proof bundle for a person, without verifying it.") { bundleArg };
        command.SetAction(parseResult =>
        {
            if (!BundleFile.TryRead(parseResult, parseResult.GetValue(bundleArg)!, out var bundle, out var exit)) return exit;
            var lines = Describe(bundle);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(GlobalOptions.Json))
            {
                var json = new JsonObject { ["verified"] = false, ["note"] = Unverified };
                foreach (var (label, text) in lines) json[label] = text;
                output.WriteLine(JsonOutput.Line(json));
                return 0;
            }
            output.WriteLine(Unverified);
            var width = lines.Max(l => l.Label.Length);
            foreach (var (label, text) in lines) output.WriteLine($"{(label + ":").PadRight(width + 1)} {text}");
            return 0;
        });
        return command;
    }

    /// <summary>Label and text per fact; times in UTC with China Standard Time beside, each named by the clock that gave it.</summary>
    public static List<(string Label, string Text)> Describe(ProofBundle bundle)
    {
        var entry = bundle.Entry;
        var evidence = entry.Evidence;
        var origin = bundle.Checkpoint.Split('\n', 2)[0];
        var lines = new List<(string, string)>
        {
            ("origin", origin),
            ("entry", $"leaf {bundle.LeafIndex} of tree size {bundle.TreeSize} (evidence number {origin}/{bundle.LeafIndex})"),
            ("provider", $"{entry.Provider}, key {entry.KeyId} ({bundle.ProviderKey["alg"]}), registered at leaf {bundle.KeyEntry.LeafIndex}"),
            ("hash", $"{evidence.HashAlg} {evidence.Hash}"),
            ("contract", $"{evidence.ContractId} ({evidence.Kind})"),
            ("client time", $"{When(evidence.ClientTime)} (the provider's clock)"),
            ("received", $"{When(entry.ReceivedAt)} (the node's clock)"),
        };
        if (entry.Batch is { } batch) lines.Add(("batch", $"record {batch.Index} of a signed batch of {batch.Size}"));
        lines.Add(("anchors", bundle.Anchors.Count == 0 ? "none (not anchored yet: `anchor proof --upgrade` fetches the sealed bundle)"
            : string.Join("; ", bundle.Anchors.Select(a => $"chain {a.ChainId} block {a.BlockNumber} at {When(a.BlockTime)} (block time), tx {a.TxHash}"))));
        lines.Add(("time-stamps", bundle.Timestamps.Count == 0 ? "none"
            : string.Join("; ", bundle.Timestamps.Select(Stamp))));
        return lines;
    }

    private static string Stamp(TsaTimestamp t)
    {
        try
        {
            var token = TsaToken.Read(Convert.FromBase64String(t.Token));
            return $"{t.Tsa} genTime {TsaToken.Utc(token.GenTime)} UTC = {TsaToken.Cst(token.GenTime)} (TSA clock)";
        }
        catch (Exception e) when (e is FormatException or TsaException or CryptographicException)
        {
            return $"{t.Tsa} (token unreadable: {e.Message})";
        }
    }

    private static string When(string time) =>
        DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? $"{time} UTC = {TsaToken.Cst(at)}" : time;
}
