using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor bench --logs N</c>: the same load as one bench, spread over N logs of the cluster, each with its own throwaway
/// provider (so its own sequencer), driven in parallel with --concurrency in flight per log. Open logs are used first,
/// the default among them; missing ones are created (<c>bench-HEX.anchor/log-I</c>). Reports each log's records/s and
/// the total (all accepted records over the longest run). The verify-only and hash ceilings are not measured here.
/// </summary>
public static partial class BenchCommand
{
    private sealed record Lane(string Origin, string Provider, List<Request> Requests, List<Request> Warmup);

    private static async Task<JsonObject> ManyLogsAsync(HttpClient http, string adminToken, BenchSettings s, TextWriter progress, CancellationToken ct)
    {
        var lanes = new List<Lane>();
        using (var admin = new NodeClient(http.BaseAddress!.ToString(), adminToken))
        {
            var listed = (await admin.GetAsync("v1/logs", ct))["logs"] as JsonArray ?? [];
            var origins = listed.Where(l => (string?)l?["state"] == "open").Select(l => (string)l!["origin"]!).Take(s.Logs).ToList();
            var stem = $"bench-{Hex.Encode(RandomNumberGenerator.GetBytes(4))}.anchor/log-";
            for (var i = origins.Count; i < s.Logs; i++)
            {
                await admin.PostAsync("v1/admin/logs", new JsonObject { ["origin"] = stem + i }, ct);
                origins.Add(stem + i);
            }
            var perLog = Math.Max(1, s.Records / s.Logs);
            var warmupPerLog = s.Warmup > TimeSpan.Zero ? Math.Min(perLog, WarmupRecords / s.Logs) : 0;
            foreach (var origin in origins)
            {
                progress.Write($"\rsigning {perLog} + {warmupPerLog} warm-up records for {origin}…          ");
                using var key = SigningKey.Generate(s.Alg);
                var provider = "bench-" + Hex.Encode(RandomNumberGenerator.GetBytes(6));
                await admin.PostAsync("v1/admin/providers", new JsonObject
                {
                    ["id"] = provider, ["name"] = "anchor bench (throwaway)", ["log"] = origin,
                    ["keys"] = new JsonArray(AdminCommands.KeyObject(key, provider, "k1", key.Descriptor)),
                }, ct);
                lanes.Add(new Lane(origin, provider, Build(key, provider, "k1", s, perLog, out _), Build(key, provider, "k1", s, warmupPerLog, out _)));
            }
        }

        var send = Submitter(http, s);
        string CheckpointOf(Lane lane) => $"v1/logs/{LogsCommands.PathOf(lane.Origin)}/checkpoint";

        if (lanes.Any(l => l.Warmup.Count > 0))
        {
            progress.WriteLine($"\rwarm-up: up to {s.Warmup.TotalSeconds:0.#} s on {lanes.Count} logs, excluded from all figures          ");
            await Task.WhenAll(lanes.Select(l => RunAsync(http, l.Warmup, s with { Duration = s.Warmup, Rate = null }, TextWriter.Null, ct, send, CheckpointOf(l))));
        }
        progress.WriteLine($"measuring {lanes.Count} logs in parallel, {s.Concurrency} in flight each…");
        var runs = await Task.WhenAll(lanes.Select(l => RunAsync(http, l.Requests, s with { Rate = s.Rate / lanes.Count }, TextWriter.Null, ct, send, CheckpointOf(l))));

        var seconds = runs.Max(r => r.Seconds);
        var accepted = runs.Sum(r => r.AcceptedRecords);
        var errors = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        foreach (var (code, n) in runs.SelectMany(r => r.Errors)) errors.AddOrUpdate(code, n, (_, m) => m + n);
        return new JsonObject
        {
            ["mode"] = s.Seal ? "seal" : s.Batch ? "batch" : "single",
            ["alg"] = SignatureAlgs.ToWire(s.Alg),
            ["batchSize"] = s.Batch ? s.BatchSize : 1,
            ["concurrency"] = s.Concurrency,
            ["logs"] = new JsonArray([.. lanes.Zip(runs, (lane, run) => (JsonNode)new JsonObject
            {
                ["origin"] = lane.Origin,
                ["provider"] = lane.Provider,
                ["records"] = run.SentRecords,
                ["accepted"] = run.AcceptedRecords,
                ["seconds"] = Math.Round(run.Seconds, 3),
                ["recordsPerSecond"] = Math.Round(run.AcceptedRecords / run.Seconds, 1),
                ["latencyMs"] = new JsonObject { ["receipt"] = Percentiles(run.Receipt), ["checkpointed"] = Percentiles(run.Checkpointed) },
                ["errors"] = Errors(run.Errors),
            })]),
            ["accepted"] = accepted,
            ["seconds"] = Math.Round(seconds, 3),
            ["recordsPerSecond"] = Math.Round(accepted / seconds, 1),
            ["errors"] = Errors(errors),
        };
    }
}
