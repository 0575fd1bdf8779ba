using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor submit --node URL --key FILE --provider P (--file F | --hash HEX) --contract C --kind K
/// [--wait checkpoint|anchor|seal] [-o bundle.json] [--token T]</c>: signs and submits one record, optionally waits
/// until it is checkpointed, anchored or sealed by every route the node has (showing progress), and writes its proof
/// bundle. The answer to a signed submission carries the checkpoint bundle; fetching the sealed one later needs the
/// provider's read token (or the admin token) on a node whose entries are private.
/// </summary>
public static class SubmitCommand
{
    public static Command Build()
    {
        var input = new EvidenceInput();
        var node = NodeOptions.Node();
        var wait = new Option<string?>("--wait")
        {
            Description = "checkpoint: until a signed checkpoint holds the record; anchor: until a chain anchor covers it; " +
                          "seal: until its bundle carries a chain anchor and a TSA time-stamp of one tree (those the node has: GET /v1/node).",
        };
        wait.AcceptOnlyFromAmong("checkpoint", "anchor", "seal");
        var output = new Option<string?>("--out", "-o") { Description = "Write the proof bundle to this file (with --batch: a folder for records.csv and, with --wait, one bundle per record)." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for --wait anchor or seal.", DefaultValueFactory = _ => 600 };
        var token = NodeOptions.ReadToken();
        var batch = new Option<string?>("--batch")
        {
            Description = "Submit many records: every file of a folder, or the lines of a CSV manifest whose first line names its columns " +
                          "(file or hash, contractId, kind; see docs/api.md). They are signed and sent as batches of --batch-size records.",
            HelpName = "DIR|MANIFEST.csv",
        };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = $"Records per signed batch, from 1 to {BatchSubmission.MaxBatchSize}.", DefaultValueFactory = _ => 1000,
        };
        var command = new Command("submit", "Sign evidence records, submit them to a node, and fetch their proof bundles.") { node, wait, output, timeout, token, batch, batchSize };
        input.AddTo(command);
        command.SetAction(async (parseResult, ct) =>
        {
            if (parseResult.GetValue(batch) is { } source)
            {
                return await BatchSubmission.RunAsync(parseResult, input, new BatchSubmission.Options(source, parseResult.GetValue(batchSize), parseResult.GetValue(wait),
                    parseResult.GetValue(output), TimeSpan.FromSeconds(parseResult.GetValue(timeout)), parseResult.GetValue(node)!, NodeOptions.ReadTokenValue(parseResult, token)), ct);
            }
            if (!input.TryBuild(parseResult, out var submission, out var exit)) return exit;
            var waitFor = parseResult.GetValue(wait);
            var json = parseResult.GetValue(GlobalOptions.Json);
            var progress = parseResult.InvocationConfiguration.Error;
            try
            {
                using var client = new NodeClient(parseResult.GetValue(node)!, NodeOptions.ReadTokenValue(parseResult, token));
                // With -o the checkpoint bundle comes in the answer: no read token is needed for it.
                var withBundle = waitFor is not null || parseResult.GetValue(output) is not null;
                var answer = await client.PostAsync(withBundle ? "v1/evidence?wait=checkpoint" : "v1/evidence", submission, ct);
                var leafIndex = answer["leafIndex"]?.GetValue<string>() ?? throw new NodeProblemException(200, "bad_response", "the answer has no leafIndex");
                if (!json) parseResult.InvocationConfiguration.Output.WriteLine($"accepted: leaf {leafIndex}, leaf hash {answer["leafHash"]}, proven in the tree of size {answer["receipt"]?["treeSize"]} (check the answer, from --json, with `anchor receipt verify`)");

                var bundle = answer["bundle"] as JsonObject;
                if (waitFor is "anchor" or "seal")
                {
                    var routes = waitFor == "anchor" ? (Anchors: true, Timestamps: false) : await RoutesAsync(client, ct);
                    bundle = await WaitForSealAsync(client, leafIndex, routes, TimeSpan.FromSeconds(parseResult.GetValue(timeout)), progress, ct);
                }

                if (bundle is not null && parseResult.GetValue(output) is { } path)
                {
                    await JsonOutput.WriteFileAsync(path, bundle, ct);
                    if (!json)
                        parseResult.InvocationConfiguration.Output.WriteLine($"bundle: {path} (tree size {bundle["treeSize"]}, {(bundle["anchors"] as JsonArray)?.Count ?? 0} anchor(s), " +
                                                                             $"{(bundle["timestamps"] as JsonArray)?.Count ?? 0} time-stamp(s))");
                }
                if (json)
                {
                    if (bundle is not null) answer["bundle"] = bundle.DeepClone();
                    parseResult.InvocationConfiguration.Output.WriteLine(JsonOutput.Line(answer));
                }
                return 0;
            }
            catch (NodeProblemException e)
            {
                return CliErrors.Fail(parseResult, e.Message, e.Code);
            }
            catch (TimeoutException e)
            {
                return CliErrors.Fail(parseResult, e.Message, "timeout");
            }
        });
        return command;
    }

    /// <summary>The routes the node seals with: chains it anchors on, TSAs it asks (GET /v1/node).</summary>
    public static async Task<(bool Anchors, bool Timestamps)> RoutesAsync(NodeClient client, CancellationToken ct)
    {
        var node = await client.GetAsync("v1/node", ct);
        var routes = (Anchors: node["chains"] is JsonArray { Count: > 0 }, Timestamps: node["tsa"] is JsonArray { Count: > 0 });
        if (!routes.Anchors && !routes.Timestamps) throw new NodeProblemException(200, "not_sealed", "the node names no chain and no TSA: nothing will seal the record");
        return routes;
    }

    /// <summary>
    /// Polls the record's bundle until it carries what <paramref name="routes"/> asks for (an anchor, a time-stamp, both
    /// of one tree), with a progress line on stderr.
    /// </summary>
    public static async Task<JsonObject> WaitForSealAsync(NodeClient client, string leafIndex, (bool Anchors, bool Timestamps) routes, TimeSpan timeout,
        TextWriter progress, CancellationToken ct)
    {
        var what = routes switch { (true, true) => "a chain anchor and a TSA time-stamp", (true, false) => "an anchor", _ => "a TSA time-stamp" };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var bundle = await client.GetAsync($"v1/proofs/{leafIndex}", ct);
            var anchors = bundle["anchors"] as JsonArray ?? [];
            var timestamps = bundle["timestamps"] as JsonArray ?? [];
            if ((!routes.Anchors || anchors.Count > 0) && (!routes.Timestamps || timestamps.Count > 0))
            {
                var sealedBy = string.Join(" and ", new[]
                {
                    anchors.Count > 0 ? $"anchored on chain {anchors[0]?["chainId"]} in block {anchors[0]?["blockNumber"]}" : null,
                    timestamps.Count > 0 ? $"time-stamped by {string.Join(", ", timestamps.Select(t => t?["tsa"]))}" : null,
                }.Where(p => p is not null));
                progress.WriteLine($"\r{sealedBy} after {clock.Elapsed.TotalSeconds:0} s          ");
                return bundle;
            }
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"leaf {leafIndex} did not get {what} within {timeout.TotalSeconds:0} s; fetch it later with `anchor proof --index {leafIndex}`");
            progress.Write($"\rwaiting for {what} of leaf {leafIndex}: {clock.Elapsed.TotalSeconds:0} s, checkpoint size {bundle["treeSize"]}   ");
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }
}
