using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor submit --batch DIR|MANIFEST.csv [--batch-size N] [--wait …] [-o DIR]</c>: the records of a folder or a
/// manifest (<see cref="BatchManifest"/>), signed and submitted as provider batches of up to N records (one batch
/// signature each, <c>POST /v1/evidence/batch</c>), with progress on stderr. With -o DIR it writes DIR/records.csv
/// (each record's source, contract, leaf index and leaf hash) and, with --wait, one bundle per record.
/// </summary>
public static class BatchSubmission
{
    /// <summary>The node takes at most this many records in one batch (docs/api.md).</summary>
    public const int MaxBatchSize = 10_000;

    public sealed record Options(string Source, int BatchSize, string? Wait, string? OutDir, TimeSpan Timeout, string Node, string? Bearer);

    public static async Task<int> RunAsync(ParseResult parseResult, EvidenceInput input, Options options, CancellationToken ct)
    {
        var (keyFile, provider, _, hashAlg, contract, kind, metadataHash, single) = input.Batch(parseResult);
        if (single) return CliErrors.Fail(parseResult, "--batch takes its records from the folder or manifest: leave out --file and --hash");
        if (options.BatchSize is < 1 or > MaxBatchSize) return CliErrors.Fail(parseResult, $"--batch-size must be from 1 to {MaxBatchSize}");
        if (options.Wait is not null && options.OutDir is null) return CliErrors.Fail(parseResult, "--batch with --wait writes a bundle per record: give -o DIR");
        if (!KeyFile.TryLoad(keyFile, out var key, out var keyError)) return CliErrors.Fail(parseResult, keyError);
        using var _ = key;
        var keyId = input.KeyId(parseResult, key);

        List<BatchItem> items;
        var records = new List<Evidence>();
        try
        {
            items = BatchManifest.Read(options.Source, hashAlg, contract, kind);
            foreach (var item in items)
            {
                try { records.Add(EvidenceInput.NewEvidence(hashAlg, item.Hash, item.ContractId, item.Kind, metadataHash)); }
                catch (AnchorException e) { return CliErrors.Fail(parseResult, $"{item.Source}: {e.Message}", e.Code); }
            }
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return CliErrors.Fail(parseResult, e.Message);
        }

        var error = parseResult.InvocationConfiguration.Error;
        var json = parseResult.GetValue(GlobalOptions.Json);
        var leaves = new List<(string LeafIndex, string LeafHash)>(records.Count);
        try
        {
            using var client = new NodeClient(options.Node, options.Bearer);
            var progress = new ProgressLine(error, records.Count, "records submitted");
            for (var first = 0; first < records.Count; first += options.BatchSize)
            {
                var chunk = records.GetRange(first, Math.Min(options.BatchSize, records.Count - first));
                var answer = await SignedBatch.PostAsync(client, SignedBatch.Build(key, provider, keyId, chunk), ct);
                leaves.AddRange(SignedBatch.ProvenLeaves(answer, chunk.Count));
                progress.Report(leaves.Count, $"(batch {first / options.BatchSize + 1}: leaves {leaves[first].LeafIndex}–{leaves[^1].LeafIndex})");
            }

            var bundles = new string?[records.Count];
            if (options.OutDir is { } dir)
            {
                Directory.CreateDirectory(dir);
                if (options.Wait is { } wait)
                {
                    await WaitAsync(client, wait, leaves[^1].LeafIndex, options.Timeout, error, ct);
                    var fetched = new ProgressLine(error, records.Count, "bundles written");
                    for (var i = 0; i < records.Count; i++)
                    {
                        var bundle = await client.GetAsync($"v1/proofs/{leaves[i].LeafIndex}", ct);
                        bundles[i] = Path.Combine(dir, $"bundle-{leaves[i].LeafIndex}.json");
                        await JsonOutput.WriteFileAsync(bundles[i]!, bundle, ct);
                        if (i == records.Count - 1 || (i + 1) % 100 == 0) fetched.Report(i + 1, $"({bundles[i]})");
                    }
                }
                await File.WriteAllTextAsync(Path.Combine(dir, "records.csv"), RecordsCsv(items, leaves, bundles), new UTF8Encoding(false), ct);
            }

            var output = parseResult.InvocationConfiguration.Output;
            if (json)
            {
                var list = new JsonArray();
                for (var i = 0; i < records.Count; i++)
                    list.Add(new JsonObject
                    {
                        ["source"] = items[i].Source, ["contractId"] = items[i].ContractId, ["leafIndex"] = leaves[i].LeafIndex, ["leafHash"] = leaves[i].LeafHash,
                        ["bundle"] = bundles[i],
                    });
                output.WriteLine(JsonOutput.Line(new JsonObject { ["records"] = list }));
            }
            else
            {
                var batches = (records.Count + options.BatchSize - 1) / options.BatchSize;
                output.WriteLine($"accepted: {records.Count} record(s) in {batches} signed batch(es), leaves {leaves[0].LeafIndex}–{leaves[^1].LeafIndex}" +
                                 (options.OutDir is { } d ? $"; {Path.Combine(d, "records.csv")}" + (options.Wait is null ? "" : $" and {records.Count} bundle(s)") : ""));
            }
            return 0;
        }
        catch (NodeProblemException e)
        {
            var done = leaves.Count == 0 ? "none was accepted" : $"the first {leaves.Count} were accepted (leaves {leaves[0].LeafIndex}–{leaves[^1].LeafIndex})";
            return CliErrors.Fail(parseResult, $"{e.Message}; of {records.Count} record(s) {done}", e.Code);
        }
        catch (TimeoutException e)
        {
            return CliErrors.Fail(parseResult, e.Message, "timeout");
        }
    }

    /// <summary>The batch body: the records, the RFC 9162 root of their d_i, and one signature over anchor-batch:v1 of it.</summary>
    /// <summary>Until the last record's bundle has what --wait asks for; the earlier records are in the same tree or an earlier one.</summary>
    private static async Task WaitAsync(NodeClient client, string wait, string lastLeaf, TimeSpan timeout, TextWriter progress, CancellationToken ct)
    {
        if (wait is "anchor" or "seal")
        {
            var routes = wait == "anchor" ? (Anchors: true, Timestamps: false) : await SubmitCommand.RoutesAsync(client, ct);
            await SubmitCommand.WaitForSealAsync(client, lastLeaf, routes, timeout, progress, ct);
            return;
        }
        // checkpoint: the receipts come once the records are durably in the log; their checkpoint follows within a round.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                await client.GetAsync($"v1/proofs/{lastLeaf}", ct);
                return;
            }
            catch (NodeProblemException e) when (e.Code == ErrorCodes.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }
    }

    private static string RecordsCsv(List<BatchItem> items, List<(string LeafIndex, string LeafHash)> leaves, string?[] bundles)
    {
        var csv = new StringBuilder("source,contractId,leafIndex,leafHash,bundle\n");
        for (var i = 0; i < items.Count; i++)
            csv.Append(CultureInfo.InvariantCulture, $"{Quote(items[i].Source)},{Quote(items[i].ContractId)},{leaves[i].LeafIndex},{leaves[i].LeafHash},{Quote(bundles[i] ?? "")}\n");
        return csv.ToString();
    }

    private static string Quote(string field) => field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
