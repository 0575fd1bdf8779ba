using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// Proof bundles by leaf, by evidence hash and by contract (entries: private unless <c>Anchor:Privacy:PublicEntries</c>,
/// see <see cref="ReadAccess"/>); consistency proofs (public).
/// </summary>
public static class ProofEndpoints
{
    /// <summary>At most this many index positions are looked at for one page of a lookup; <c>next</c> continues.</summary>
    public const int PageSize = 1000;

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/proofs/{leafIndex}", ByLeafAsync)
            .WithSummary("The proof bundle of one leaf, at the latest (or anchored) checkpoint; bearer: the entry's provider's read token, or the admin token")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
        app.MapGet("/v1/proofs", ByHashAsync)
            .WithSummary("Proof bundles whose evidence hash is ?hash=<hex>, a page at a time (?cursor=); with a provider's read token, only its own")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(401);
        app.MapGet("/v1/contracts/{contractId}/proofs", ByContractAsync)
            .WithSummary("Proof bundles of a contract from ?provider=P, a page at a time (?cursor=); bearer: that provider's read token, or the admin token")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(401).ProducesProblem(403);
        app.MapGet("/v1/consistency", ConsistencyAsync).WithSummary("RFC 9162 consistency proof between tree sizes ?from=M&to=N")
            .Produces<JsonObject>().ProducesProblem(400).ProducesProblem(404);
    }

    internal static async Task<IResult> ByLeafAsync(HttpContext context, string leafIndex, ProofBundles bundles, IOptions<AnchorOptions> options,
        CancellationToken cancellationToken)
    {
        var index = ParseCount(leafIndex, "leafIndex");
        var access = ReadAccess.Of(context, options.Value.Privacy.PublicEntries);
        var head = await bundles.HeadForAsync(index);
        var bundle = await bundles.ForLeafAsync(index, head, access, cancellationToken)
            ?? throw (index < head.Size
                ? new ProblemException(Problem.NotEvidence, $"entry {index} is a key registration or revocation: it has no bundle of its own, the bundles of the records under that key carry it", StatusCodes.Status404NotFound)
                : new ProblemException(ErrorCodes.NotFound, $"leaf {index} is not in the log (size {head.Size})"));
        return Results.Bytes(bundle, "application/json");
    }

    /// <summary>The cursor is the first leaf index of the next page: the hash index lists leaves in ascending order.</summary>
    internal static async Task<IResult> ByHashAsync(HttpContext context, string? hash, string? cursor, LogStore store, ProofBundles bundles,
        IOptions<AnchorOptions> options, CancellationToken cancellationToken)
    {
        if (!Hex.TryDecodeCanonical(hash, -1, out var bytes) || bytes.Length is 0 or > 64)
            throw new ProblemException(ErrorCodes.HashMalformed, "?hash= must be the evidence hash in lowercase hex");
        var from = cursor is null ? 0 : ParseCount(cursor, "cursor");
        var access = ReadAccess.Of(context, options.Value.Privacy.PublicEntries);
        var head = await store.ReadHeadAsync();
        var rest = (await store.ReadIndicesByHashAsync(hash!, head)).Where(i => i >= from).ToList();
        var page = rest.Take(PageSize).ToList();
        var next = rest.Count > PageSize ? rest[PageSize].ToString(CultureInfo.InvariantCulture) : null;
        // A provider's token sees its own entries only; others' are left out as if absent.
        ProofBundles.EntryFilter? filter = access.ReadsEverything ? null : (provider, _) => access.MayReadAsync(provider);
        return Results.Bytes(await bundles.PageAsync(page, head, filter, next, cancellationToken), "application/json");
    }

    /// <summary>The cursor is a position in the contract index (a list that only grows).</summary>
    private static async Task<IResult> ByContractAsync(HttpContext context, string contractId, string? provider, string? cursor, ServedLogs logs,
        IGrainFactory grains, KnownProviders known, IOptions<AnchorOptions> options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(provider)) throw new ProblemException(ErrorCodes.Malformed, "?provider= is required");
        RequestBody.CheckId(provider, "provider");
        var from = cursor is null ? 0 : ParseCount(cursor, "cursor");
        if (from > long.MaxValue - PageSize) throw new ProblemException(ErrorCodes.Malformed, $"cursor {from} is beyond any index");
        var access = ReadAccess.Of(context, options.Value.Privacy.PublicEntries);
        // An unregistered name is refused like a wrong token, and without activating a grain for it.
        if (!access.ReadsEverything && !(await known.IsRegisteredAsync(provider) && await access.MayReadAsync(provider)))
            throw new ProblemException(ErrorCodes.Forbidden, $"this token does not read the proofs of provider '{provider}'");
        // The provider's records are in its log (one that moved: its current log). Only a registered provider's grain is asked.
        var log = await known.IsRegisteredAsync(provider) ? await logs.OfProviderAsync(grains, provider) : await logs.GetAsync(logs.Set.DefaultOrigin);
        var (store, bundles) = (log.Store, log.Bundles);
        var head = await store.ReadHeadAsync();
        var (indices, next) = await store.ReadIndicesByContractAsync(provider, contractId, head, (long)from, PageSize);
        // The index is a hint (AppendScript step 2): serve only entries of this provider and contract.
        ProofBundles.EntryFilter filter = (entryProvider, data) =>
            ValueTask.FromResult(entryProvider == provider && ContractOf(data) == contractId);
        return Results.Bytes(await bundles.PageAsync(indices, head, filter, next?.ToString(CultureInfo.InvariantCulture), cancellationToken),
            "application/json");
    }

    private static string? ContractOf(byte[] leafData) =>
        JsonNode.Parse(leafData)?["evidence"]?["contractId"] is JsonValue v && v.TryGetValue<string>(out var id) ? id : null;

    internal static async Task<IResult> ConsistencyAsync(string? from, string? to, LogStore store)
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
