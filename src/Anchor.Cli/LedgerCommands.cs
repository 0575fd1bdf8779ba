using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>
/// Sealing ledger rows (docs/ledger.md): <c>anchor seal</c> turns each row of a CSV file into one evidence record whose hash
/// is the row's keyed digest (<see cref="LedgerRow"/>), sent as signed batches, and keeps what the node answered in a
/// seals file; <c>anchor reconcile</c> recomputes every row and names each one changed, missing or never sealed.
/// </summary>
public static class LedgerCommands
{
    public const string SealsFormat = "anchor-seals/v1";

    public static IEnumerable<Command> Build() => [Seal(), Reconcile()];

    private static Option<string> Csv() => new("--csv") { Description = "The rows: a CSV file whose first line names the columns (RFC 4180).", Required = true };
    private static Option<string> SaltKey() => new("--salt-key")
    {
        Description = "The provider's secret salt key (32 random bytes, hex). `anchor seal` creates it (mode 0600) when the file does not exist. It never leaves the provider.",
        Required = true,
    };

    private static Command Seal()
    {
        var csv = Csv();
        var idColumn = new Option<string>("--id-column") { Description = "The column that identifies a row (its contractId in the log).", Required = true };
        var columns = new Option<string>("--columns") { Description = "The columns whose values are sealed, comma-separated (e.g. account,amount,balance).", Required = true };
        var saltKey = SaltKey();
        var provider = new Option<string>("--provider") { Description = "The provider ID registered on the node.", Required = true };
        var key = new Option<string>("--key") { Description = "The provider's key file (from `anchor keygen`).", Required = true };
        var keyId = new Option<string?>("--key-id") { Description = "The key's ID on the node (default: the key's fingerprint)." };
        var prefix = new Option<string>("--contract-prefix") { Description = "Put before each row ID to make its contractId.", DefaultValueFactory = _ => "" };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per signed batch (1 to 10000).", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Batches in flight at once.", DefaultValueFactory = _ => 4 };
        var node = NodeOptions.Node();
        var output = new Option<string>("--output", "-o") { Description = "The seals file to write (JSON lines): what each row was sealed as and the node's batch receipts.", Required = true };
        var command = new Command("seal", "Seal the rows of a ledger: each row becomes an evidence record (kind ledger.row) whose hash is HMAC-SHA256(salt key, the chosen columns), sent as signed batches.")
        {
            csv, idColumn, columns, saltKey, provider, key, keyId, prefix, batchSize, concurrency, node, output,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var size = parseResult.GetValue(batchSize);
            if (size is < 1 or > 10_000) return CliErrors.Usage(CliErrors.Fail(parseResult, "--batch-size must be 1 to 10000"));
            if (!KeyFile.TryLoad(parseResult.GetValue(key)!, out var signingKey, out var keyError)) return CliErrors.Usage(CliErrors.Fail(parseResult, keyError));
            using var _ = signingKey;
            var id = parseResult.GetValue(keyId) ?? KeyFile.DefaultKeyId(signingKey);
            var providerId = parseResult.GetValue(provider)!;
            if (!TrySaltKey(parseResult, parseResult.GetValue(saltKey)!, create: true, out var salt, out var exit)) return exit;
            try
            {
                using var table = CsvTable.Open(parseResult.GetValue(csv)!);
                var idIndex = table.IndexOf(parseResult.GetValue(idColumn)!);
                var chosen = parseResult.GetValue(columns)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                if (chosen.Length == 0) return CliErrors.Usage(CliErrors.Fail(parseResult, "--columns names no column"));
                var indices = chosen.Select(table.IndexOf).ToArray();
                using var client = new NodeClient(parseResult.GetValue(node)!);
                var origin = (await client.GetAsync("v1/node", ct))["origin"]?.GetValue<string>() ?? "";

                var path = parseResult.GetValue(output)!;
                await using var seals = new StreamWriter(path, append: false);
                await seals.WriteLineAsync(new JsonObject
                {
                    ["type"] = SealsFormat, ["origin"] = origin, ["provider"] = providerId, ["keyId"] = id,
                    ["idColumn"] = table.Columns[idIndex], ["columns"] = new JsonArray([.. chosen.Select(c => (JsonNode)c)]),
                    ["contractPrefix"] = parseResult.GetValue(prefix), ["saltKey"] = LedgerRow.KeyName(salt),
                }.ToJsonString());

                var ids = new HashSet<string>(StringComparer.Ordinal);
                var clock = Stopwatch.StartNew();
                var progress = new ProgressLine(error, 0, "rows sealed");
                long sealedRows = 0;
                var wave = new List<List<(long Line, string Id, Evidence Evidence)>>();
                var batch = new List<(long Line, string Id, Evidence Evidence)>();
                async Task FlushAsync()
                {
                    if (batch.Count > 0) { wave.Add(batch); batch = []; }
                    var answers = await Task.WhenAll(wave.Select(b => SignedBatch.PostAsync(client, SignedBatch.Build(signingKey, providerId, id, [.. b.Select(r => r.Evidence)]), ct)));
                    for (var w = 0; w < wave.Count; w++)
                    {
                        var leaves = SignedBatch.ProvenLeaves(answers[w], wave[w].Count);
                        for (var i = 0; i < wave[w].Count; i++)
                        {
                            var (line, rowId, e) = wave[w][i];
                            await seals.WriteLineAsync(new JsonObject
                            {
                                ["type"] = "row", ["line"] = line.ToString(CultureInfo.InvariantCulture), ["id"] = rowId, ["contractId"] = e.ContractId,
                                ["hash"] = e.Hash, ["nonce"] = e.Nonce, ["clientTime"] = e.ClientTime, ["leafIndex"] = leaves[i].LeafIndex, ["leafHash"] = leaves[i].LeafHash,
                            }.ToJsonString());
                        }
                        foreach (var receipt in answers[w]["receipts"]!.AsArray())
                            await seals.WriteLineAsync(new JsonObject { ["type"] = "receipt", ["receipt"] = receipt!.DeepClone() }.ToJsonString());
                        sealedRows += wave[w].Count;
                    }
                    await seals.FlushAsync(ct);
                    wave.Clear();
                    progress.Report(sealedRows, $"in {clock.Elapsed.TotalSeconds:F1} s ({sealedRows / Math.Max(0.001, clock.Elapsed.TotalSeconds):F0} rows/s)");
                }
                foreach (var (line, fields) in table.Rows())
                {
                    var rowId = fields[idIndex];
                    if (!ids.Add(rowId)) return CliErrors.Usage(CliErrors.Fail(parseResult, $"{table.Source} line {line}: row ID '{rowId}' appears twice; each row needs its own ID"));
                    var seal = LedgerRow.Seal(salt, [.. indices.Select(i => (table.Columns[i], fields[i]))]);
                    var evidence = new Evidence(LedgerRow.HashAlg, Hex.Encode(seal), parseResult.GetValue(prefix) + rowId, LedgerRow.Kind, null,
                        Times.ToText(DateTimeOffset.UtcNow), Hex.Encode(RandomNumberGenerator.GetBytes(Evidence.NonceBytes)));
                    try { evidence.Validate(); }
                    catch (AnchorException e) { return CliErrors.Usage(CliErrors.Fail(parseResult, $"{table.Source} line {line}: {e.Message}", e.Code)); }
                    batch.Add((line, rowId, evidence));
                    if (batch.Count == size)
                    {
                        wave.Add(batch);
                        batch = [];
                        if (wave.Count == Math.Max(1, parseResult.GetValue(concurrency))) await FlushAsync();
                    }
                }
                await FlushAsync();
                progress.Done();
                parseResult.InvocationConfiguration.Output.WriteLine($"sealed {sealedRows} rows of {table.Source} into {path} (log '{origin}'); keep it with the salt key: `anchor reconcile` needs both");
                return 0;
            }
            catch (FormatException e) { return CliErrors.Usage(CliErrors.Fail(parseResult, e.Message, "csv_malformed")); }
            catch (NodeProblemException e) { return CliErrors.Fail(parseResult, $"the node refused a batch: {e.Message} (rows sealed so far are in the seals file)", e.Code); }
        });
        return command;
    }

    private static Command Reconcile()
    {
        var csv = Csv();
        var sealsOption = new Option<string>("--seals") { Description = "The seals file `anchor seal` wrote.", Required = true };
        var saltKey = SaltKey();
        var trust = TrustOptions.CreateTrust();
        var logKey = TrustOptions.CreateLogKey();
        var node = new Option<string?>("--node") { Description = "Also check that the node's log still contains every sealed tree (consistency proofs to its checkpoint, under --trust)." };
        var command = new Command("reconcile", "Recompute every row and report rows changed since sealing, rows sealed but missing, and rows never sealed; exit 1 on any finding.")
        {
            csv, sealsOption, saltKey, trust, logKey, node,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            if (!TrySaltKey(parseResult, parseResult.GetValue(saltKey)!, create: false, out var salt, out var exit)) return exit;
            if (!TrustOptions.TryRead(parseResult, trust, logKey, out var trustFile, out exit)) return CliErrors.Usage(exit);
            var output = parseResult.InvocationConfiguration.Output;
            var findings = new List<JsonObject>();
            void Finding(string kind, string text, JsonObject detail)
            {
                detail["finding"] = kind;
                findings.Add(detail);
                if (!parseResult.GetValue(GlobalOptions.Json)) output.WriteLine($"{kind}: {text}");
            }
            try
            {
                var (header, rows, receipts) = ReadSeals(parseResult.GetValue(sealsOption)!);
                if (header["saltKey"]?.GetValue<string>() != LedgerRow.KeyName(salt))
                    return CliErrors.Usage(CliErrors.Fail(parseResult, "the salt key is not the one these rows were sealed with", "salt_key_mismatch"));
                var chosen = header["columns"]!.AsArray().Select(c => c!.GetValue<string>()).ToArray();
                using var table = CsvTable.Open(parseResult.GetValue(csv)!);
                var idIndex = table.IndexOf(header["idColumn"]!.GetValue<string>());
                var indices = chosen.Select(table.IndexOf).ToArray();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                long count = 0;
                foreach (var (line, fields) in table.Rows())
                {
                    count++;
                    var rowId = fields[idIndex];
                    if (!seen.Add(rowId)) { Finding("duplicate", $"row '{rowId}' (line {line}) appears again", new() { ["id"] = rowId, ["line"] = line.ToString(CultureInfo.InvariantCulture) }); continue; }
                    if (!rows.TryGetValue(rowId, out var sealedRow))
                    {
                        Finding("unsealed", $"row '{rowId}' (line {line}) was never sealed", new() { ["id"] = rowId, ["line"] = line.ToString(CultureInfo.InvariantCulture) });
                        continue;
                    }
                    var seal = Hex.Encode(LedgerRow.Seal(salt, [.. indices.Select(i => (table.Columns[i], fields[i]))]));
                    if (seal != sealedRow["hash"]!.GetValue<string>())
                        Finding("changed", $"row '{rowId}' (line {line}) differs from what was sealed at {sealedRow["clientTime"]} (provider clock) in leaf {sealedRow["leafIndex"]}",
                            new() { ["id"] = rowId, ["line"] = line.ToString(CultureInfo.InvariantCulture), ["leafIndex"] = sealedRow["leafIndex"]!.DeepClone(), ["sealedAt"] = sealedRow["clientTime"]!.DeepClone() });
                }
                foreach (var (rowId, sealedRow) in rows)
                    if (!seen.Contains(rowId))
                        Finding("missing", $"row '{rowId}', sealed at {sealedRow["clientTime"]} in leaf {sealedRow["leafIndex"]}, is not in the file",
                            new() { ["id"] = rowId, ["leafIndex"] = sealedRow["leafIndex"]!.DeepClone(), ["sealedAt"] = sealedRow["clientTime"]!.DeepClone() });

                // The seals themselves: every sealed leaf is proven by a kept receipt under a trusted key, and the node's log
                // still holds those trees.
                if (trustFile is not null)
                {
                    var proven = new HashSet<(string, string)>();
                    foreach (var receipt in receipts)
                    {
                        var report = ReceiptVerifier.Verify(receipt, new VerifyOptions { Trust = trustFile });
                        if (report.Outcome != VerificationOutcome.Valid)
                        {
                            Finding("receipt", $"the receipt of leaves {receipt.FirstIndex}+{receipt.Count}: {report.Verdict}", new() { ["firstIndex"] = receipt.FirstIndex, ["verdict"] = report.Verdict });
                            continue;
                        }
                        var first = ulong.Parse(receipt.FirstIndex, CultureInfo.InvariantCulture);
                        for (var i = 0; i < receipt.LeafHashes.Count; i++) proven.Add(((first + (ulong)i).ToString(CultureInfo.InvariantCulture), receipt.LeafHashes[i]));
                    }
                    foreach (var (rowId, sealedRow) in rows)
                        if (!proven.Contains((sealedRow["leafIndex"]!.GetValue<string>(), sealedRow["leafHash"]!.GetValue<string>())))
                            Finding("unproven", $"row '{rowId}': no valid receipt proves leaf {sealedRow["leafIndex"]}", new() { ["id"] = rowId, ["leafIndex"] = sealedRow["leafIndex"]!.DeepClone() });
                    if (parseResult.GetValue(node) is { } url)
                        await CheckLogAsync(url, trustFile, receipts, (kind, text) => Finding(kind, text, new() { ["detail"] = text }), ct);
                }
                else if (parseResult.GetValue(node) is not null)
                    return CliErrors.Usage(CliErrors.Fail(parseResult, "--node needs --trust or --log-key: the node's checkpoint is checked against the log key you trust"));

                if (parseResult.GetValue(GlobalOptions.Json))
                    output.WriteLine(new JsonObject { ["rows"] = count, ["sealed"] = rows.Count, ["findings"] = new JsonArray([.. findings]) }.ToJsonString());
                else output.WriteLine($"{count} rows, {rows.Count} sealed: {(findings.Count == 0 ? "every row is as sealed" : $"{findings.Count} finding(s)")}");
                return findings.Count == 0 ? 0 : 1;
            }
            catch (FormatException e) { return CliErrors.Usage(CliErrors.Fail(parseResult, e.Message, "csv_malformed")); }
            catch (AnchorException e) { return CliErrors.Usage(CliErrors.Fail(parseResult, $"the seals file: {e.Message}", "seals_malformed")); }
            catch (NodeProblemException e) { return CliErrors.Fail(parseResult, e.Message, e.Code); }
        });
        return command;
    }

    /// <summary>Every tree a receipt names is a prefix of the node's current tree, by a consistency proof to a checkpoint the trusted key signed.</summary>
    private static async Task CheckLogAsync(string url, TrustFile trust, List<BatchReceipt> receipts, Action<string, string> finding, CancellationToken ct)
    {
        using var client = new NodeClient(url);
        var note = await client.GetTextAsync("checkpoint", ct);
        var origin = note[..Math.Max(0, note.IndexOf('\n', StringComparison.Ordinal))];
        Checkpoint? Trusted(string text)
        {
            foreach (var k in trust.Log(origin)?.Keys ?? [])
            {
                try { return Checkpoint.Verify(text, VerifierKey.Parse(k)); }
                catch (NoteError) { }
            }
            return null;
        }
        if (Trusted(note) is not { } head) { finding("log", $"the node's checkpoint of '{origin}' is not signed by a trusted key"); return; }
        foreach (var group in receipts.GroupBy(r => r.Checkpoint))
        {
            // Receipts that do not verify were reported already.
            if (Trusted(group.Key) is not { } sealedTree) continue;
            if (sealedTree.Size == head.Size)
            {
                if (!sealedTree.Root.AsSpan().SequenceEqual(head.Root)) finding("log", $"the node's tree of size {head.Size} is not the one sealed");
                continue;
            }
            var proof = await client.GetAsync($"v1/consistency?from={sealedTree.Size}&to={head.Size}", ct);
            try
            {
                ProofVerifier.VerifyConsistency(sealedTree.Size, head.Size, [.. proof["proof"]!.AsArray().Select(h => Hex.Decode(h!.GetValue<string>()))], sealedTree.Root, head.Root);
            }
            catch (ProofError e) { finding("log", $"the node's log of size {head.Size} does not extend the sealed tree of size {sealedTree.Size}: {e.Message}"); }
        }
    }

    private static (JsonObject Header, Dictionary<string, JsonObject> Rows, List<BatchReceipt> Receipts) ReadSeals(string path)
    {
        JsonObject? header = null;
        var rows = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        var receipts = new List<BatchReceipt>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            var json = Jcs.ParseStrict(System.Text.Encoding.UTF8.GetBytes(line)) as JsonObject
                ?? throw new AnchorException(ErrorCodes.Malformed, "every line must be a JSON object");
            switch (json["type"]?.GetValue<string>())
            {
                case SealsFormat when header is null: header = json; break;
                case "row" when header is not null: rows[json["id"]!.GetValue<string>()] = json; break;
                case "receipt" when header is not null: receipts.Add(BatchReceipt.FromJson(json["receipt"])); break;
                default: throw new AnchorException(ErrorCodes.Malformed, $"unexpected line (the first must be the {SealsFormat} header): {(line.Length <= 80 ? line : line[..80] + "…")}");
            }
        }
        return (header ?? throw new AnchorException(ErrorCodes.Malformed, "the file is empty"), rows, receipts);
    }

    private static bool TrySaltKey(ParseResult parseResult, string path, bool create, out byte[] salt, out int exitCode)
    {
        salt = [];
        exitCode = 0;
        try
        {
            if (!File.Exists(path))
            {
                if (!create) { exitCode = CliErrors.Usage(CliErrors.Fail(parseResult, $"{path}: no such salt key file")); return false; }
                salt = RandomNumberGenerator.GetBytes(LedgerRow.SaltKeySize);
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = KeyFile.Mode;
                using (var writer = new StreamWriter(path, options)) writer.WriteLine(Hex.Encode(salt));
                parseResult.InvocationConfiguration.Error.WriteLine($"created salt key {path} (mode 0600): keep it secret, and keep it: without it no row can be checked");
                return true;
            }
            var text = File.ReadAllText(path).Trim();
            if (!Hex.TryDecodeCanonical(text, LedgerRow.SaltKeySize, out salt))
            {
                exitCode = CliErrors.Usage(CliErrors.Fail(parseResult, $"{path}: a salt key file holds {LedgerRow.SaltKeySize} bytes as lowercase hex"));
                return false;
            }
            return true;
        }
        catch (IOException e)
        {
            exitCode = CliErrors.Usage(CliErrors.Fail(parseResult, $"{path}: {e.Message}"));
            return false;
        }
    }
}
