using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>Proof bundles by leaf, by evidence hash and by contract; consistency proofs.</summary>
public static class ProofEndpoints
{
    /// <summary>At most this many bundles in one answer; the rest are listed as leaf indices to fetch one by one.</summary>
    public const int MaxBundles = 1000;

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/proofs/{leafIndex}", ByLeafAsync).WithSummary("The proof bundle of one leaf, at the latest (or anchored) checkpoint")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(404);
        app.MapGet("/v1/proofs", ByHashAsync).WithSummary("Every proof bundle whose evidence hash is ?hash=<hex>")
            .Produces<JsonObject>().ProducesProblem(400);
        app.MapGet("/v1/contracts/{contractId}/proofs", ByContractAsync)
            .WithSummary("Every proof bundle of a contract from ?provider=P; bearer: that provider's read token")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        app.MapGet("/v1/consistency", ConsistencyAsync).WithSummary("RFC 9162 consistency proof between tree sizes ?from=M&to=N")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(404);
    }

    private static async Task<IResult> ByLeafAsync(string leafIndex, ProofBundles bundles, CancellationToken cancellationToken)
    {
        var index = ParseCount(leafIndex, "leafIndex");
        var head = await bundles.HeadForAsync(index);
        var bundle = await bundles.ForLeafAsync(index, head, cancellationToken)
            ?? throw new ProblemException(ErrorCodes.NotFound, $"leaf {index} is not in the log (size {head.Size})");
        return Results.Bytes(bundle, "application/json");
    }

    private static async Task<IResult> ByHashAsync(string? hash, LogStore store, ProofBundles bundles, CancellationToken cancellationToken)
    {
        if (!Hex.TryDecodeCanonical(hash, -1, out var bytes) || bytes.Length is 0 or > 64)
            throw new ProblemException(ErrorCodes.HashMalformed, "?hash= must be the evidence hash in lowercase hex");
        var head = await store.ReadHeadAsync();
        return Results.Bytes(await bundles.ManyAsync(await store.ReadIndicesByHashAsync(hash!, head), MaxBundles, head, cancellationToken), "application/json");
    }

    private static async Task<IResult> ByContractAsync(HttpContext context, string contractId, string? provider, LogStore store,
        ProofBundles bundles, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(provider)) throw new ProblemException(ErrorCodes.Malformed, "?provider= is required");
        RequestBody.CheckId(provider, "provider");
        var token = Bearer(context) ?? throw new ProblemException(ErrorCodes.Unauthorized, "a provider read token is required (Authorization: Bearer …)");
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        if (!await grains.GetGrain<IProviderGrain>(provider).CheckReadToken(hash))
            throw new ProblemException(ErrorCodes.Forbidden, $"this token does not read the proofs of provider '{provider}'");
        var head = await store.ReadHeadAsync();
        return Results.Bytes(await bundles.ManyAsync(await store.ReadIndicesByContractAsync(provider, contractId, head), MaxBundles, head, cancellationToken),
            "application/json");
    }

    private static async Task<IResult> ConsistencyAsync(string? from, string? to, LogStore store)
    {
        var head = await store.ReadHeadAsync();
        var m = ParseCount(from ?? "", "from");
        var n = to is null ? head.Size : ParseCount(to, "to");
        if (m > n) throw new ProblemException(ErrorCodes.Malformed, $"from ({m}) must not exceed to ({n})");
        if (n > head.Size) throw new ProblemException(ErrorCodes.NotFound, $"the log has {head.Size} entries, fewer than {n}");
        // From size 0 every tree is consistent and RFC 9162 has no proof to give: the empty list.
        var shape = ProofShape.Consistency(m, n);
        var proof = shape.Fold(await store.ReadNodeHashesAsync(shape.Nodes, head));
        return Json(new JsonObject
        {
            ["from"] = m.ToString(CultureInfo.InvariantCulture),
            ["to"] = n.ToString(CultureInfo.InvariantCulture),
            ["proof"] = new JsonArray([.. proof.Select(h => (JsonNode)Hex.Encode(h))]),
        });
    }

    public static string? Bearer(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length > 7 ? header[7..].Trim() : null;
    }

    public static ulong ParseCount(string text, string what)
    {
        if (text.Length is 0 or > 20 || (text.Length > 1 && text[0] == '0')
            || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            throw new ProblemException(ErrorCodes.Malformed, $"{what} must be a decimal integer, got '{(text.Length > 40 ? text[..40] : text)}'");
        return n;
    }

    private static IResult Json(JsonObject json) => Results.Text(json.ToJsonString(), "application/json");
}
