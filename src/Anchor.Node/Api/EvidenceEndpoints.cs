using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Json;
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
        ServedLogs logs, string? wait)
    {
        var waitCheckpoint = ParseWait(wait);
        var (provider, keyId, evidence, sig) = await RequestBody.ReadAsync(context.Request, RequestBody.SingleLimit, SingleBody.Read, context.RequestAborted);

        var verified = await grains.GetGrain<IRecordVerifierGrain>(0).VerifySingle(provider, keyId, evidence, sig);
        // Only now, with the signature verified, is the request the provider's to be counted against it.
        limiter.Acquire(context, provider);
        // The provider's log, as its key's registration entry is in it (null: the default log).
        var origin = verified.Log ?? logs.Set.DefaultOrigin;
        var call = await grains.GetGrain<ISequencerGrain>(origin).Append([verified]);
        var result = call.Records[0];
        if (result.ErrorCode is not null) throw new ProblemException(result.ErrorCode, result.ErrorDetail ?? result.ErrorCode);
        var receipt = new Receipt(origin, Text(result.LeafIndex), result.LeafHash!, Text(call.TreeSize),
            [.. call.Inclusion!.Select(h => Core.Hex.Encode(h))], call.Checkpoint!);

        var bundle = waitCheckpoint ? await (await logs.GetAsync(origin)).Bundles.AtCheckpointAsync(result.LeafIndex, result.Checkpoint!, context.RequestAborted) : null;
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

    private static async Task<IResult> SubmitBatchAsync(HttpContext context, IGrainFactory grains, ProviderRateLimiter limiter, ServedLogs logs)
    {
        var (provider, keyId, evidence, root, sig) = await RequestBody.ReadAsync(context.Request, RequestBody.BatchLimit, BatchBody.Read, context.RequestAborted);

        var verified = await grains.GetGrain<IRecordVerifierGrain>(0).VerifyBatch(provider, keyId, new Orleans.Concurrency.Immutable<CanonicalEvidence[]>(evidence), root, sig);
        limiter.Acquire(context, provider); // After the signature, as for single records.
        var origin = verified.FirstOrDefault()?.Log ?? logs.Set.DefaultOrigin;
        var call = await grains.GetGrain<ISequencerGrain>(origin).Append(verified);
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
                new BatchReceipt(origin, Text(run.First), Text((ulong)run.Count),
                    [.. call.Records.Skip(at).Take(run.Count).Select(r => r.LeafHash!)], Text(call.TreeSize), call.Checkpoint!,
                    [.. run.Left.Select(h => Core.Hex.Encode(h))], [.. run.Right.Select(h => Core.Hex.Encode(h))]).WriteTo(writer);
                at += run.Count;
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>The body of POST /v1/evidence, read without a JSON tree.</summary>
    private readonly record struct SingleBody(string Provider, string KeyId, CanonicalEvidence Evidence, string Sig)
    {
        private static readonly string[] Members = ["provider", "keyId", "evidence", "sig"];

        public static SingleBody Read(ref Utf8JsonReader reader)
        {
            var values = new string?[Members.Length];
            Evidence? evidence = null;
            Jcs.ReadMembers(ref reader, "the body", Members, (ref Utf8JsonReader r, int i) =>
            {
                if (i == 2) evidence = Core.Records.Evidence.Read(ref r);
                else values[i] = Jcs.ReadString(ref r, $"'{Members[i]}'");
            });
            var provider = RequestBody.NonEmpty(values[0], "provider");
            var keyId = RequestBody.NonEmpty(values[1], "keyId");
            if (evidence is null) throw new ProblemException(ErrorCodes.Malformed, "'evidence' is missing");
            return new(provider, keyId, CanonicalEvidence.Of(evidence), RequestBody.NonEmpty(values[3], "sig"));
        }
    }

    /// <summary>
    /// The body of POST /v1/evidence/batch, read without a JSON tree (a batch of 10,000 records is ≈ 3.5 MB): each record is
    /// validated and canonicalised as it is read, and a nonce twice in one batch is refused.
    /// </summary>
    private readonly record struct BatchBody(string Provider, string KeyId, CanonicalEvidence[] Records, string Root, string Sig)
    {
        private static readonly string[] Members = ["provider", "keyId", "records", "root", "sig"];

        public static BatchBody Read(ref Utf8JsonReader reader)
        {
            var values = new string?[Members.Length];
            List<CanonicalEvidence>? records = null;
            Jcs.ReadMembers(ref reader, "the body", Members, (ref Utf8JsonReader r, int i) =>
            {
                if (i == 2) records = ReadRecords(ref r);
                else values[i] = Jcs.ReadString(ref r, $"'{Members[i]}'");
            });
            var provider = RequestBody.NonEmpty(values[0], "provider");
            var keyId = RequestBody.NonEmpty(values[1], "keyId");
            if (records is null) throw new ProblemException(ErrorCodes.Malformed, "'records' must be an array of evidence objects");
            if (records.Count == 0) throw new ProblemException(ErrorCodes.Malformed, "'records' is empty");
            var root = RequestBody.NonEmpty(values[3], "root");
            if (!Core.Hex.TryDecodeCanonical(root, 32, out _)) throw new ProblemException(ErrorCodes.HashMalformed, "'root' must be 64 lowercase hex characters");
            return new(provider, keyId, [.. records], root, RequestBody.NonEmpty(values[4], "sig"));
        }

        private static List<CanonicalEvidence> ReadRecords(ref Utf8JsonReader reader)
        {
            if (reader.TokenType != JsonTokenType.StartArray) throw new ProblemException(ErrorCodes.Malformed, "'records' must be an array of evidence objects");
            var records = new List<CanonicalEvidence>();
            var nonces = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var i = records.Count;
                if (i == MaxBatchRecords) throw new ProblemException(ErrorCodes.TooLarge, $"a batch holds at most {MaxBatchRecords} records, this one more");
                Evidence e;
                try { e = Evidence.Read(ref reader); }
                catch (AnchorException ex) { throw new ProblemException(ex.Code, $"records[{i}]: {ex.Detail}"); }
                if (!nonces.Add(e.Nonce)) throw new ProblemException(ErrorCodes.NonceConflict, $"records[{i}]: nonce {e.Nonce} appears twice in the batch");
                records.Add(CanonicalEvidence.Of(e));
            }
            return records;
        }
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
