using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>POST /v1/evidence and /v1/evidence/batch: verify, sequence, answer with receipts once durable.</summary>
public static class EvidenceEndpoints
{
    public const int MaxBatchRecords = 10_000;

    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/evidence", SubmitAsync)
            .WithSummary("Submit one signed evidence record")
            .WithDescription("Body { provider, keyId, evidence, sig }. Answers { entry, leafIndex, leafHash, receipt } once the record is durably in the log (the receipt is its inclusion proof and the commit's signed checkpoint); with ?wait=checkpoint also the proof bundle at the first checkpoint that contains it.")
            .Produces<JsonObject>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);
        app.MapPost("/v1/evidence/batch", SubmitBatchAsync)
            .WithSummary("Submit a provider-signed batch of up to 10,000 records")
            .WithDescription("Body { provider, keyId, records: [evidence...], root, sig }: sig signs anchor-batch:v1 over the RFC 9162 root of the records. Answers { receipts: [batch receipt...] }: one range proof per run of neighbouring leaves (one for a batch of new records), in record order.")
            .Produces<JsonObject>()
            .ProducesProblem(400).ProducesProblem(403).ProducesProblem(409).ProducesProblem(413).ProducesProblem(415).ProducesProblem(429).ProducesProblem(503);
    }

    private static async Task<IResult> SubmitAsync(HttpContext context, IGrainFactory grains, ProviderRateLimiter limiter,
        ProofBundles bundles, LogStore store, string? wait)
    {
        var waitCheckpoint = ParseWait(wait);
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.SingleLimit, context.RequestAborted);
        RequestBody.OnlyKnown(body, "provider", "keyId", "evidence", "sig");
        var provider = RequestBody.String(body, "provider");
        var keyId = RequestBody.String(body, "keyId");
        var evidence = CanonicalEvidence.Of(Evidence.FromJson(body["evidence"]));
        var sig = RequestBody.String(body, "sig");

        var verified = await grains.GetGrain<IRecordVerifierGrain>(0).VerifySingle(provider, keyId, evidence, sig);
        // Only now, with the signature verified, is the request the provider's to be counted against it.
        limiter.Acquire(context, provider);
        var call = await grains.GetGrain<ISequencerGrain>(store.Origin).Append([verified]);
        var result = call.Records[0];
        if (result.ErrorCode is not null) throw new ProblemException(result.ErrorCode, result.ErrorDetail ?? result.ErrorCode);
        var receipt = new Receipt(store.Origin, Text(result.LeafIndex), result.LeafHash!, Text(call.TreeSize),
            [.. call.Inclusion!.Select(h => Core.Hex.Encode(h))], call.Checkpoint!);

        var bundle = waitCheckpoint ? await bundles.AtCheckpointAsync(result.LeafIndex, result.Checkpoint!, context.RequestAborted) : null;
        return Json(writer =>
        {
            // The entry arrives as its JCS: written as it is, never parsed again.
            writer.WriteStartObject();
            writer.WritePropertyName("entry");
            writer.WriteRawValue(result.Entry!, skipInputValidation: true);
            writer.WriteString("leafIndex", Text(result.LeafIndex));
            writer.WriteString("leafHash", result.LeafHash);
            writer.WritePropertyName("receipt");
            receipt.WriteTo(writer);
            if (bundle is not null)
            {
                writer.WritePropertyName("bundle");
                bundle.WriteTo(writer);
            }
            writer.WriteEndObject();
        });
    }

    private static async Task<IResult> SubmitBatchAsync(HttpContext context, IGrainFactory grains, ProviderRateLimiter limiter, LogStore store)
    {
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.BatchLimit, context.RequestAborted);
        RequestBody.OnlyKnown(body, "provider", "keyId", "records", "root", "sig");
        var provider = RequestBody.String(body, "provider");
        var keyId = RequestBody.String(body, "keyId");
        if (body["records"] is not JsonArray records) throw new ProblemException(ErrorCodes.Malformed, "'records' must be an array of evidence objects");
        if (records.Count == 0) throw new ProblemException(ErrorCodes.Malformed, "'records' is empty");
        if (records.Count > MaxBatchRecords) throw new ProblemException(ErrorCodes.TooLarge, $"a batch holds at most {MaxBatchRecords} records, this one {records.Count}");
        var root = RequestBody.String(body, "root");
        if (!Core.Hex.TryDecodeCanonical(root, 32, out _)) throw new ProblemException(ErrorCodes.HashMalformed, "'root' must be 64 lowercase hex characters");
        var sig = RequestBody.String(body, "sig");

        var evidence = new CanonicalEvidence[records.Count];
        var nonces = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < records.Count; i++)
        {
            Evidence e;
            try { e = Evidence.FromJson(records[i]); }
            catch (AnchorException ex) { throw new ProblemException(ex.Code, $"records[{i}]: {ex.Detail}"); }
            if (!nonces.Add(e.Nonce)) throw new ProblemException(ErrorCodes.NonceConflict, $"records[{i}]: nonce {e.Nonce} appears twice in the batch");
            evidence[i] = CanonicalEvidence.Of(e);
        }

        var verified = await grains.GetGrain<IRecordVerifierGrain>(0).VerifyBatch(provider, keyId, new Orleans.Concurrency.Immutable<CanonicalEvidence[]>(evidence), root, sig);
        limiter.Acquire(context, provider); // After the signature, as for single records.
        var call = await grains.GetGrain<ISequencerGrain>(store.Origin).Append(verified);
        if (call.Records.FirstOrDefault(r => r.ErrorCode is not null) is { } refused)
            throw new ProblemException(refused.ErrorCode!, refused.ErrorDetail ?? refused.ErrorCode!);
        return Json(writer =>
        {
            // One receipt per run of neighbouring leaves, in record order: one for a batch of new records.
            writer.WriteStartObject();
            writer.WriteStartArray("receipts");
            var at = 0;
            foreach (var run in call.Runs!)
            {
                new BatchReceipt(store.Origin, Text(run.First), Text((ulong)run.Count),
                    [.. call.Records.Skip(at).Take(run.Count).Select(r => r.LeafHash!)], Text(call.TreeSize), call.Checkpoint!,
                    [.. run.Left.Select(h => Core.Hex.Encode(h))], [.. run.Right.Select(h => Core.Hex.Encode(h))]).WriteTo(writer);
                at += run.Count;
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>An application/json answer written straight into the response pipe, without a buffer of its own (a batch receipt of 1,000 records is ≈ 70 KB).</summary>
    private static IResult Json(Action<Utf8JsonWriter> write) => new JsonAnswer(write);

    private sealed class JsonAnswer(Action<Utf8JsonWriter> write) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.ContentType = "application/json";
            using (var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter)) write(writer);
            await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }

    private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    private static bool ParseWait(string? wait) => wait switch
    {
        null or "" => false,
        "checkpoint" => true,
        _ => throw new ProblemException(ErrorCodes.Malformed, $"wait must be 'checkpoint' (anchor waits are not served yet), got '{wait}'"),
    };
}
