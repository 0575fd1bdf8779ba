using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor bench --node URL --admin-token-file F [--mode single|batch] [--batch-size B] [--alg A] [--records N]
/// [--concurrency C] [--duration S] [--rate R] [--warmup S] [--proofs] [--json]</c>: registers a throwaway provider, signs
/// every record before the clock starts, warms the node up with records beyond N (excluded from every figure), submits
/// the N, and reports accepted records/s, submit→receipt and submit→checkpointed latency percentiles, errors by code,
/// and the ratio of the ingest rate to the verify-only rate of the same algorithm measured on all cores of this machine
/// in the same run; in batch mode also to a hash ceiling: the SHA-256 work one batch record costs the node, per second on
/// all cores (receipts are proofs, so no signature per record bounds the batch path any more). <c>--proofs</c> instead fetches proof bundles of random existing leaves.
/// </summary>
public static partial class BenchCommand
{
    public static Command Build()
    {
        var node = NodeOptions.Node();
        var tokenFile = NodeOptions.AdminTokenFile();
        var mode = new Option<string>("--mode")
        {
            Description = "single: one record per request; batch: provider-signed batches; seal: batches of sealed ledger rows (anchor seal's records: hmac-sha256 of generated rows, kind ledger.row, one contract per row).",
            DefaultValueFactory = _ => "single",
        };
        mode.AcceptOnlyFromAmong("single", "batch", "seal");
        var batchSize = new Option<int>("--batch-size") { Description = "Records per batch (--mode batch).", DefaultValueFactory = _ => 1000 };
        var alg = new Option<string>("--alg") { Description = "The throwaway provider's signature algorithm.", DefaultValueFactory = _ => "ed25519" };
        alg.AcceptOnlyFromAmong([.. SignatureAlgs.All.Select(SignatureAlgs.ToWire)]);
        var records = new Option<int>("--records") { Description = "Records to submit (or proofs to fetch with --proofs).", DefaultValueFactory = _ => 10_000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Requests in flight.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double?>("--duration") { Description = "Stop after this many seconds even if records remain." };
        var rate = new Option<double?>("--rate") { Description = "Offer at most this many records/s (open loop), e.g. half the maximum for latency." };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up (pre-signed records beyond --records, excluded from all figures) before measuring: a fresh node runs tier-0 code.", DefaultValueFactory = _ => 5 };
        var proofs = new Option<bool>("--proofs") { Description = "Measure GET /v1/proofs/{i} per second over random existing leaves instead of submitting." };
        var logs = new Option<int>("--logs")
        {
            Description = "Drive N logs of the cluster in parallel, a throwaway provider on each (open logs first, new ones created as needed): per-log and total records/s.",
        };
        var command = new Command("bench", "Load a node: records/s, latency percentiles, errors, and the ratio to this machine's verify-only rate.")
        {
            node, tokenFile, mode, batchSize, alg, records, concurrency, duration, rate, warmup, proofs, logs,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            var settings = new BenchSettings(
                parseResult.GetValue(mode) is "batch" or "seal",
                Math.Max(1, parseResult.GetValue(batchSize)),
                SignatureAlgs.TryParse(parseResult.GetValue(alg), out var a) ? a : SignatureAlg.Ed25519,
                Math.Max(1, parseResult.GetValue(records)),
                Math.Max(1, parseResult.GetValue(concurrency)),
                parseResult.GetValue(duration) is { } d ? TimeSpan.FromSeconds(d) : null,
                parseResult.GetValue(rate),
                TimeSpan.FromSeconds(Math.Max(0, parseResult.GetValue(warmup))),
                parseResult.GetValue(mode) == "seal",
                Math.Max(0, parseResult.GetValue(logs)));
            var progress = parseResult.InvocationConfiguration.Error;
            try
            {
                using var http = BenchHttp(parseResult.GetValue(node)!);
                JsonObject report;
                // Proof reads need the admin token too: entries are private unless the node says otherwise.
                if (!NodeOptions.TryAdminToken(parseResult, tokenFile, out var token, out var exit)) return exit;
                report = parseResult.GetValue(proofs) ? await ProofsAsync(http, token, settings, progress, ct)
                    : settings.Logs > 0 ? await ManyLogsAsync(http, token, settings, progress, ct)
                    : await SubmitAsync(http, token, settings, progress, ct);
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(parseResult.GetValue(GlobalOptions.Json) ? report.ToJsonString() : Text(report));
                return 0;
            }
            catch (NodeProblemException e)
            {
                return CliErrors.Fail(parseResult, e.Message, e.Code);
            }
            catch (ArgumentException e)
            {
                return CliErrors.Fail(parseResult, e.Message);
            }
        });
        return command;
    }

    private sealed record BenchSettings(bool Batch, int BatchSize, SignatureAlg Alg, int Records, int Concurrency, TimeSpan? Duration, double? Rate, TimeSpan Warmup,
        bool Seal = false, int Logs = 0);

    /// <summary>One pre-built request: its body and how many records it carries.</summary>
    private sealed record Request(byte[] Body, int Records);

    private static HttpClient BenchHttp(string baseUrl)
    {
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--node '{baseUrl}' is not an http(s) URL");
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        return new HttpClient(handler) { BaseAddress = uri, Timeout = TimeSpan.FromSeconds(120) };
    }

    private static async Task<JsonObject> SubmitAsync(HttpClient http, string adminToken, BenchSettings s, TextWriter progress, CancellationToken ct)
    {
        using var key = SigningKey.Generate(s.Alg);
        var provider = "bench-" + Hex.Encode(RandomNumberGenerator.GetBytes(6));
        const string keyId = "k1";
        var keyJson = AdminCommands.KeyObject(key, provider, keyId, key.Descriptor);
        using (var admin = new NodeClient(http.BaseAddress!.ToString(), adminToken))
            await admin.PostAsync("v1/admin/providers", new JsonObject { ["id"] = provider, ["name"] = "anchor bench (throwaway)", ["keys"] = new JsonArray(keyJson) }, ct);

        // Everything is signed before the clock starts: the bench measures the node, not its own signing.
        // Warm-up records are extra (at most --records, at most WarmupRecords): signed too, sent first, counted nowhere.
        var warmupRecords = s.Warmup > TimeSpan.Zero ? Math.Min(s.Records, WarmupRecords) : 0;
        progress.Write($"\rsigning {s.Records} + {warmupRecords} warm-up records ({SignatureAlgs.ToWire(s.Alg)})…");
        var requests = Build(key, provider, keyId, s, s.Records, out var sample);
        var warmupRequests = Build(key, provider, keyId, s, warmupRecords, out _);
        progress.Write($"\rmeasuring the verify-only rate on {Environment.ProcessorCount} cores…          ");
        var verifyRate = VerifyOnlyRate(key, sample);
        double? hashRate = null;
        if (s.Batch)
        {
            progress.Write($"\rmeasuring the SHA-256 ceiling on {Environment.ProcessorCount} cores…          ");
            hashRate = HashCeilingRate(requests[0].Body.Length / s.BatchSize, s.BatchSize);
        }

        var send = Submitter(http, s);
        RunResult? warm = null;
        if (warmupRequests.Count > 0)
        {
            progress.WriteLine($"\rwarm-up: up to {s.Warmup.TotalSeconds:0.#} s or {warmupRecords} records, excluded from all figures");
            warm = await RunAsync(http, warmupRequests, s with { Duration = s.Warmup, Rate = null }, progress, ct, send);
        }

        var sizeBefore = await CheckpointSizeAsync(http, ct);
        var run = await RunAsync(http, requests, s, progress, ct, send);
        var sizeAfter = await CheckpointSizeAsync(http, ct);

        var rate = run.AcceptedRecords / run.Seconds;
        var report = new JsonObject
        {
            ["mode"] = s.Seal ? "seal" : s.Batch ? "batch" : "single",
            ["alg"] = SignatureAlgs.ToWire(s.Alg),
            ["batchSize"] = s.Batch ? s.BatchSize : 1,
            ["concurrency"] = s.Concurrency,
            ["offeredRate"] = s.Rate,
            ["provider"] = provider,
            ["requests"] = run.Sent,
            ["records"] = run.SentRecords,
            ["accepted"] = run.AcceptedRecords,
            ["seconds"] = Math.Round(run.Seconds, 3),
            ["recordsPerSecond"] = Math.Round(rate, 1),
            ["requestsPerSecond"] = Math.Round(run.Accepted / run.Seconds, 1),
            ["latencyMs"] = new JsonObject { ["receipt"] = Percentiles(run.Receipt), ["checkpointed"] = Percentiles(run.Checkpointed) },
            ["errors"] = Errors(run.Errors),
            ["verifyOnly"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["perSecond"] = Math.Round(verifyRate, 1) },
            ["ratioToVerifyOnly"] = Math.Round(rate / verifyRate, 3),
            ["warmup"] = new JsonObject
            {
                ["seconds"] = Math.Round(warm?.Seconds ?? 0, 3), ["records"] = warm?.SentRecords ?? 0, ["accepted"] = warm?.AcceptedRecords ?? 0,
                ["recordsPerSecond"] = warm is null ? 0 : Math.Round(warm.AcceptedRecords / warm.Seconds, 1),
            },
            ["logSizeBefore"] = sizeBefore,
            ["logSizeAfter"] = sizeAfter,
        };
        if (hashRate is { } hashes)
        {
            report["hashCeiling"] = new JsonObject { ["cores"] = Environment.ProcessorCount, ["perSecond"] = Math.Round(hashes, 1) };
            report["ratioToHashCeiling"] = Math.Round(rate / hashes, 3);
        }
        return report;
    }

    /// <summary>Sends one pre-built request to the evidence route of its mode: ok, or the problem's code, and the last leaf it got.</summary>
    private static Func<Request, CancellationToken, Task<(bool Ok, string Code, ulong LastLeaf)>> Submitter(HttpClient http, BenchSettings s)
    {
        var path = s.Batch ? "v1/evidence/batch" : "v1/evidence";
        return async (request, token) =>
        {
            using var content = new ByteArrayContent(request.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync(path, content, token);
            var bytes = await response.Content.ReadAsByteArrayAsync(token);
            return response.IsSuccessStatusCode ? (true, "", LastLeafIndex(bytes, s.Batch)) : (false, ProblemCode(response.StatusCode, bytes), 0UL);
        };
    }

    /// <summary>At most this many warm-up records: enough for a few seconds of tier-1 code at any rate this machine reaches.</summary>
    private const int WarmupRecords = 50_000;

    /// <summary><paramref name="total"/> records in requests of s.BatchSize (or one each), all signed.</summary>
    private static List<Request> Build(SigningKey key, string provider, string keyId, BenchSettings s, int total, out List<(byte[] Message, byte[] Sig)> sample)
    {
        sample = [];
        var requests = new List<Request>();
        var contract = "bench-contract-" + Hex.Encode(RandomNumberGenerator.GetBytes(4));
        var time = Times.ToText(DateTimeOffset.UtcNow);
        var salt = RandomNumberGenerator.GetBytes(LedgerRow.SaltKeySize);
        var row = 0L;
        Evidence NewEvidence()
        {
            var nonce = Hex.Encode(RandomNumberGenerator.GetBytes(Evidence.NonceBytes));
            if (!s.Seal) return new("sha256", Hex.Encode(RandomNumberGenerator.GetBytes(32)), contract, "other", null, time, nonce);
            // A ledger row as anchor seal makes it: its keyed digest over account, amount and balance, its ID as contract.
            var n = Interlocked.Increment(ref row);
            var seal = LedgerRow.Seal(salt, [("account", $"acct-{n % 997}"), ("amount", $"{n % 5000}.{n % 100:D2}"), ("balance", $"{n * 3}.00")]);
            return new(LedgerRow.HashAlg, Hex.Encode(seal), $"{contract}-row-{n}", LedgerRow.Kind, null, time, nonce);
        }
        if (!s.Batch)
        {
            var bodies = new Request[total];
            var signed = new (byte[], byte[])[total];
            Parallel.For(0, total, i =>
            {
                var evidence = NewEvidence();
                var statement = Statements.Single(provider, keyId, evidence);
                var sig = key.Sign(statement);
                signed[i] = (statement, sig);
                bodies[i] = new Request(Encoding.UTF8.GetBytes(new JsonObject
                {
                    ["provider"] = provider, ["keyId"] = keyId, ["evidence"] = evidence.ToJson(), ["sig"] = Convert.ToBase64String(sig),
                }.ToJsonString()), 1);
            });
            requests.AddRange(bodies);
            sample.AddRange(signed.Take(1024));
            return requests;
        }
        var count = (total + s.BatchSize - 1) / s.BatchSize;
        var batches = new Request[count];
        var batchSigned = new (byte[], byte[])[count];
        Parallel.For(0, count, b =>
        {
            var records = Enumerable.Range(0, Math.Min(s.BatchSize, total - b * s.BatchSize)).Select(_ => NewEvidence()).ToList();
            var body = SignedBatch.Build(key, provider, keyId, records);
            batchSigned[b] = (Statements.Batch(provider, keyId, body["root"]!.GetValue<string>(), (ulong)records.Count), Convert.FromBase64String(body["sig"]!.GetValue<string>()));
            batches[b] = new Request(Encoding.UTF8.GetBytes(body.ToJsonString()), records.Count);
        });
        requests.AddRange(batches);
        sample.AddRange(batchSigned.Take(1024));
        return requests;
    }

    /// <summary>
    /// Verifications per second of this algorithm with every core busy: the ceiling of what a node on this machine
    /// could accept if checking signatures were all it did.
    /// </summary>
    private static double VerifyOnlyRate(SigningKey key, List<(byte[] Message, byte[] Sig)> sample)
    {
        if (!SignatureVerifier.TryCreate(key.Descriptor, out var verifier, out var error))
            throw new ArgumentException($"the generated key does not verify: {error}");
        return RateOnAllCores(i =>
        {
            var (message, sig) = sample[i % sample.Count];
            if (!verifier.Verify(message, sig)) throw new InvalidOperationException("a pre-signed record does not verify");
        });
    }

    /// <summary>
    /// Batch records per second that SHA-256 alone allows on every core: per record, its leaf and the node above it in the
    /// provider's batch tree (the verifier), the log leaf over its entry (evidence, signature and batch path: about the
    /// record's share of the request plus the path's hex) and the log tree's node above it (the sequencer). A ceiling no
    /// design that keeps these hashes can pass; the ratio says how close the node is to the machine.
    /// </summary>
    private static double HashCeilingRate(int recordBytes, int batchSize)
    {
        var pathBytes = 67 * (int)Math.Ceiling(Math.Log2(Math.Max(2, batchSize)));
        var entry = RandomNumberGenerator.GetBytes(recordBytes + pathBytes + 200);
        var statement = RandomNumberGenerator.GetBytes(recordBytes);
        var node = RandomNumberGenerator.GetBytes(32);
        return RateOnAllCores(_ =>
        {
            var leaf = TreeHasher.HashLeaf(statement);
            TreeHasher.HashChildren(leaf, node);
            var logLeaf = TreeHasher.HashLeaf(entry);
            TreeHasher.HashChildren(node, logLeaf);
        });
    }

    /// <summary>Runs <paramref name="operation"/> (given a counter) on every core for 2 s; answers operations per second.</summary>
    private static double RateOnAllCores(Action<int> operation)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(2);
        Parallel.For(0, Environment.ProcessorCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, worker =>
        {
            var n = 0L;
            for (var i = worker; clock.Elapsed < budget; i++)
            {
                operation(i);
                n++;
            }
            Interlocked.Add(ref done, n);
        });
        return done / clock.Elapsed.TotalSeconds;
    }

    private sealed class RunResult
    {
        public int Sent, Accepted;
        public long SentRecords, AcceptedRecords;
        public double Seconds;
        public readonly ConcurrentBag<double> Receipt = [];
        public readonly ConcurrentBag<double> Checkpointed = [];
        public readonly ConcurrentDictionary<string, int> Errors = new(StringComparer.Ordinal);
    }

    /// <summary>
    /// Sends the requests with C in flight (paced to --rate when given), polling /checkpoint alongside so that each
    /// accepted request's submit→checkpointed time is when a checkpoint covering its last leaf was first seen.
    /// </summary>
    private static async Task<RunResult> RunAsync(HttpClient http, List<Request> requests, BenchSettings s, TextWriter progress, CancellationToken ct,
        Func<Request, CancellationToken, Task<(bool Ok, string Code, ulong LastLeaf)>> send, string checkpointPath = "checkpoint")
    {
        var result = new RunResult();
        var pending = new ConcurrentQueue<(ulong LastLeaf, long Start)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        var next = -1;
        var poller = PollCheckpointsAsync(http, pending, result.Checkpointed, checkpointPath, stop.Token);
        var reporter = ProgressAsync(progress, result, clock, stop.Token);
        var workers = Enumerable.Range(0, s.Concurrency).Select(async _ =>
        {
            while (!ct.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= requests.Count || (s.Duration is { } limit && clock.Elapsed > limit)) return;
                var request = requests[i];
                if (s.Rate is > 0 and var r)
                {
                    // Open loop: request i is due when its first record is, whatever the answers before it took.
                    var due = TimeSpan.FromSeconds((double)i * (s.Batch ? s.BatchSize : 1) / r);
                    if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
                }
                var start = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref result.Sent);
                Interlocked.Add(ref result.SentRecords, request.Records);
                (bool Ok, string Code, ulong LastLeaf) answer;
                try { answer = await send(request, ct); }
                catch (HttpRequestException e) { answer = (false, e.HttpRequestError == HttpRequestError.Unknown ? "unreachable" : "http_" + e.HttpRequestError, 0); }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested) { answer = (false, "timeout", 0); }
                if (!answer.Ok)
                {
                    result.Errors.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
                    continue;
                }
                result.Receipt.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Increment(ref result.Accepted);
                Interlocked.Add(ref result.AcceptedRecords, request.Records);
                pending.Enqueue((answer.LastLeaf, start));
            }
        }).ToList();
        await Task.WhenAll(workers);
        result.Seconds = clock.Elapsed.TotalSeconds;
        // Let the poller see the checkpoint covering the last answers, then stop it.
        var drain = Stopwatch.StartNew();
        while (result.Checkpointed.Count < result.Accepted && drain.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, ct);
        await stop.CancelAsync();
        await poller;
        await reporter;
        progress.WriteLine();
        return result;
    }

    private static async Task PollCheckpointsAsync(HttpClient http, ConcurrentQueue<(ulong LastLeaf, long Start)> pending, ConcurrentBag<double> latencies,
        string checkpointPath, CancellationToken ct)
    {
        var waiting = new List<(ulong LastLeaf, long Start)>();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                // Take the answered requests first, then read: a checkpoint is only credited to requests whose receipt
                // came before it was read, so submit→checkpointed is never shorter than submit→receipt.
                while (pending.TryDequeue(out var p)) waiting.Add(p);
                var size = await CheckpointSizeAsync(http, ct, checkpointPath);
                var seen = Stopwatch.GetTimestamp();
                waiting.RemoveAll(p =>
                {
                    if (p.LastLeaf >= size) return false;
                    latencies.Add(Stopwatch.GetElapsedTime(p.Start, seen).TotalMilliseconds);
                    return true;
                });
                await Task.Delay(10, ct);
            }
            catch (OperationCanceledException) { return; }
            catch (HttpRequestException) { }
            catch (NodeProblemException) { }
        }
    }

    private static async Task ProgressAsync(TextWriter progress, RunResult result, Stopwatch clock, CancellationToken ct)
    {
        long last = 0;
        var lastTime = 0.0;
        while (true)
        {
            var stopped = false;
            try { await Task.Delay(1000, ct); }
            catch (OperationCanceledException) { stopped = true; }
            var records = Interlocked.Read(ref result.AcceptedRecords);
            var now = clock.Elapsed.TotalSeconds;
            progress.Write(string.Create(CultureInfo.InvariantCulture,
                $"\r{now,6:F1} s  accepted {records,9}  {(records - last) / (now - lastTime),9:F0} records/s  errors {result.Errors.Values.Sum()}   "));
            last = records;
            lastTime = now;
            if (stopped) return;
        }
    }

    private static async Task<JsonObject> ProofsAsync(HttpClient http, string adminToken, BenchSettings s, TextWriter progress, CancellationToken ct)
    {
        var size = await CheckpointSizeAsync(http, ct);
        if (size == 0) throw new NodeProblemException(404, "not_found", "the log is empty: there are no proofs to fetch");
        async Task<(bool, string, ulong)> Fetch(Request _, CancellationToken token)
        {
            while (true)
            {
                var index = (ulong)Random.Shared.NextInt64((long)Math.Min(size, long.MaxValue));
                using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/proofs/{index.ToString(CultureInfo.InvariantCulture)}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
                using var response = await http.SendAsync(request, token);
                var bytes = await response.Content.ReadAsByteArrayAsync(token);
                if (response.IsSuccessStatusCode) return (true, "", 0UL); // Checkpointed latency means nothing for reads.
                var code = ProblemCode(response.StatusCode, bytes);
                // A key registration has no bundle of its own (one entry per key, a sliver of a real log): draw again.
                if (code != "not_evidence") return (false, code, 0UL);
            }
        }
        if (s.Warmup > TimeSpan.Zero)
        {
            // The same GETs for --warmup seconds first, counted nowhere: the proof path of a fresh node runs tier-0 code.
            progress.WriteLine($"\rwarm-up: {s.Warmup.TotalSeconds:0.#} s of proof GETs, excluded from all figures");
            var warmRequests = Enumerable.Range(0, WarmupRecords).Select(_ => new Request([], 1)).ToList();
            await RunAsync(http, warmRequests, s with { Batch = false, Duration = s.Warmup, Rate = null }, progress, ct, Fetch);
        }
        var requests = Enumerable.Range(0, s.Records).Select(_ => new Request([], 1)).ToList();
        var run = await RunAsync(http, requests, s with { Batch = false }, progress, ct, Fetch);
        return new JsonObject
        {
            ["mode"] = "proofs",
            ["concurrency"] = s.Concurrency,
            ["logSize"] = size,
            ["requests"] = run.Sent,
            ["accepted"] = run.Accepted,
            ["seconds"] = Math.Round(run.Seconds, 3),
            ["proofsPerSecond"] = Math.Round(run.Accepted / run.Seconds, 1),
            ["latencyMs"] = new JsonObject { ["proof"] = Percentiles(run.Receipt) },
            ["errors"] = Errors(run.Errors),
        };
    }

    private static async Task<ulong> CheckpointSizeAsync(HttpClient http, CancellationToken ct, string path = "checkpoint")
    {
        using var response = await http.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw new NodeProblemException((int)response.StatusCode, ProblemCode(response.StatusCode, Encoding.UTF8.GetBytes(text)), "GET /checkpoint failed");
        var lines = text.Split('\n');
        return lines.Length > 1 && ulong.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw new NodeProblemException(200, "bad_response", "GET /checkpoint is not a checkpoint");
    }

    /// <summary>The leaf index of a single answer, or of the last receipt of a batch answer.</summary>
    private static ulong LastLeafIndex(byte[] answer, bool batch)
    {
        using var json = JsonDocument.Parse(answer);
        static ulong Count(JsonElement e, string name) => ulong.Parse(e.GetProperty(name).GetString()!, NumberStyles.None, CultureInfo.InvariantCulture);
        if (!batch) return Count(json.RootElement, "leafIndex");
        var receipts = json.RootElement.GetProperty("receipts");
        var last = receipts[receipts.GetArrayLength() - 1];
        return Count(last, "firstIndex") + Count(last, "count") - 1;
    }

    private static string ProblemCode(HttpStatusCode status, byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String) return code.GetString()!;
        }
        catch (JsonException) { }
        return "http_" + (int)status;
    }

    private static JsonObject Percentiles(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double q) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 1);
        return new JsonObject { ["count"] = sorted.Length, ["p50"] = At(0.50), ["p90"] = At(0.90), ["p99"] = At(0.99), ["max"] = At(1.0) };
    }

    private static JsonObject Errors(ConcurrentDictionary<string, int> errors)
    {
        var json = new JsonObject();
        foreach (var (code, n) in errors.OrderBy(e => e.Key, StringComparer.Ordinal)) json[code] = n;
        return json;
    }

    private static string Text(JsonObject r)
    {
        var sb = new StringBuilder();
        if (r["logs"] is JsonArray lanes)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{r["mode"]} {r["alg"]}, batch size {r["batchSize"]}, {lanes.Count} logs, concurrency {r["concurrency"]} per log\n");
            foreach (var lane in lanes)
                sb.Append(CultureInfo.InvariantCulture, $"  {lane!["origin"]}: {lane["accepted"]} of {lane["records"]} records in {lane["seconds"]} s = {lane["recordsPerSecond"]} records/s; receipt {Line(lane["latencyMs"]!["receipt"]!)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"total: {r["accepted"]} records in {r["seconds"]} s = {r["recordsPerSecond"]} records/s\n");
        }
        else if ((string?)r["mode"] == "proofs")
        {
            sb.Append(CultureInfo.InvariantCulture, $"proofs: {r["accepted"]} of {r["requests"]} GETs in {r["seconds"]} s on a log of {r["logSize"]}: {r["proofsPerSecond"]} proofs/s\n");
            sb.Append(CultureInfo.InvariantCulture, $"latency ms: {Line(r["latencyMs"]!["proof"]!)}\n");
        }
        else
        {
            var w = r["warmup"]!;
            sb.Append(CultureInfo.InvariantCulture, $"warm-up (excluded): {w["accepted"]} of {w["records"]} records in {w["seconds"]} s = {w["recordsPerSecond"]} records/s\n");
            sb.Append(CultureInfo.InvariantCulture, $"{r["mode"]} {r["alg"]}, batch size {r["batchSize"]}, concurrency {r["concurrency"]}: ");
            sb.Append(CultureInfo.InvariantCulture, $"{r["accepted"]} of {r["records"]} records accepted in {r["seconds"]} s = {r["recordsPerSecond"]} records/s\n");
            sb.Append(CultureInfo.InvariantCulture, $"submit→receipt ms:      {Line(r["latencyMs"]!["receipt"]!)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"submit→checkpointed ms: {Line(r["latencyMs"]!["checkpointed"]!)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"verify-only on {r["verifyOnly"]!["cores"]} cores: {r["verifyOnly"]!["perSecond"]}/s; ingest ÷ verify-only = {r["ratioToVerifyOnly"]}\n");
            if (r["hashCeiling"] is { } hashes)
                sb.Append(CultureInfo.InvariantCulture, $"hash ceiling (the SHA-256 work of one batch record) on {hashes["cores"]} cores: {hashes["perSecond"]} records/s; ingest ÷ hash ceiling = {r["ratioToHashCeiling"]}\n");
            sb.Append(CultureInfo.InvariantCulture, $"log size {r["logSizeBefore"]} → {r["logSizeAfter"]}\n");
        }
        var errors = (JsonObject)r["errors"]!;
        sb.Append(errors.Count == 0 ? "errors: none" : "errors: " + string.Join(", ", errors.Select(e => $"{e.Key} {e.Value}")));
        return sb.ToString();
    }

    private static string Line(JsonNode p) => $"p50 {p["p50"]}  p90 {p["p90"]}  p99 {p["p99"]}  max {p["max"]}  (n={p["count"]})";
}
