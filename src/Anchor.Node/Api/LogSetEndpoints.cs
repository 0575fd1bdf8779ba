using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// The logs of the cluster: created and frozen by the operator (<c>/v1/admin/logs</c>), listed for anyone (<c>GET /v1/logs</c>),
/// and each log's public face and proofs under <c>/v1/logs/{origin}/…</c>, the routes the default log also has at the top.
/// </summary>
public static class LogSetEndpoints
{
    public static void MapAdmin(RouteGroupBuilder admin)
    {
        admin.MapPost("/logs", CreateAsync).WithSummary("Create a log { origin }: signed by the node's log key under that origin, with its own vkey");
        admin.MapPost("/logs/{**path}", FreezeAsync)
            .WithSummary("POST /v1/admin/logs/{origin}/freeze: freeze the log at its current size; it stays readable (idempotent)");
    }

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/logs", ListAsync).WithSummary("Every log of the cluster: origin, log key (vkey), size, state, frozen size");
        app.MapGet("/v1/logs/{**path}", ReadAsync)
            .WithSummary("One log's routes: {origin}/checkpoint, {origin}/tile/L/N[.p/W], {origin}/proofs/{leafIndex}, {origin}/proofs?hash=, {origin}/consistency?from=&to=")
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404);
    }

    /// <summary>
    /// The least loaded open log, where a provider registered without a log goes: the smallest tree size, ties by origin
    /// (ordinal). Tree size is what a log's primary holds in memory and what its sequencer has appended.
    /// </summary>
    public static async Task<string> LeastLoadedAsync(ServedLogs logs)
    {
        var open = (await logs.Set.ListAsync()).Where(l => !l.IsFrozen).ToList();
        if (open.Count == 0) throw new ProblemException(ErrorCodes.NoOpenLog, "every log is frozen: create one (POST /v1/admin/logs)", StatusCodes.Status409Conflict);
        var sizes = await Task.WhenAll(open.Select(async l => (l.Origin, (await logs.Set.Store(l.Origin).ReadHeadAsync()).Size)));
        return sizes.OrderBy(s => s.Size).ThenBy(s => s.Origin, StringComparer.Ordinal).First().Origin;
    }

    /// <summary>A registered log that takes records: 404 <c>log_unknown</c>, 409 <c>log_frozen</c> otherwise.</summary>
    public static async Task<ServedLog> OpenLogAsync(ServedLogs logs, string origin)
    {
        var log = await logs.GetAsync(origin);
        if (log.Registered.IsFrozen)
            throw new ProblemException(ErrorCodes.LogFrozen, $"log '{origin}' is frozen at size {log.Registered.FrozenSize}: choose an open log", StatusCodes.Status409Conflict);
        return log;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, ServedLogs logs, SealedLog sealedLog, TimeProvider time)
    {
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.SingleLimit, context.RequestAborted);
        RequestBody.OnlyKnown(body, "origin");
        var origin = body["origin"] is JsonValue value && value.TryGetValue<string>(out var text) ? text
            : throw new ProblemException(ErrorCodes.Malformed, "'origin' must be a string: the new log's name");
        if (LogSet.OriginProblem(origin) is { } problem) throw new ProblemException(ErrorCodes.OriginInvalid, $"origin '{Problem.Short(origin)}': {problem}");
        // Without a root log nothing would ever anchor or time-stamp a second log: its evidence would stay unsealed.
        if (!sealedLog.Rooted)
            throw new ProblemException(ErrorCodes.RootLogRequired, "this node has no root log, so nothing would seal a second log: set Anchor:RootOrigin on every silo first (docs/sealing.md, \"The root log\")", StatusCodes.Status409Conflict);
        if (origin == sealedLog.Log.Origin)
            throw new ProblemException(ErrorCodes.LogExists, $"'{origin}' is the root log's origin", StatusCodes.Status409Conflict);
        if (!await logs.Set.CreateAsync(origin, Times.ToText(time.GetUtcNow())))
            throw new ProblemException(ErrorCodes.LogExists, $"a log '{origin}' exists already", StatusCodes.Status409Conflict);
        return Results.Text((await DescribeAsync(await logs.GetAsync(origin))).ToJsonString(), "application/json", statusCode: 201);
    }

    private static async Task<IResult> FreezeAsync(string path, ServedLogs logs, IGrainFactory grains)
    {
        const string suffix = "/freeze";
        if (!path.EndsWith(suffix, StringComparison.Ordinal))
            throw new ProblemException(ErrorCodes.NotFound, $"no route POST /v1/admin/logs/{Problem.Short(path)} (freeze a log with POST /v1/admin/logs/ORIGIN/freeze)");
        var log = await logs.GetAsync(path[..^suffix.Length]);
        // Through the log's sequencer: it stops taking records, commits what it took, and records that size.
        if (!log.Registered.IsFrozen) await grains.GetGrain<ISequencerGrain>(log.Registered.Origin).Freeze();
        return Results.Text((await DescribeAsync(await logs.GetAsync(log.Registered.Origin))).ToJsonString(), "application/json");
    }

    private static async Task<IResult> ListAsync(ServedLogs logs)
    {
        var list = new JsonArray();
        foreach (var registered in await logs.Set.ListAsync()) list.Add(await DescribeAsync(await logs.GetAsync(registered.Origin)));
        return Results.Text(new JsonObject { ["logs"] = list }.ToJsonString(), "application/json");
    }

    /// <summary><c>{ origin, logKey, size, state, createdAt?, frozenSize?, frozenAt?, default? }</c>, strings only.</summary>
    public static async Task<JsonObject> DescribeAsync(ServedLog log)
    {
        var head = await log.Store.ReadHeadAsync();
        var json = new JsonObject
        {
            ["origin"] = log.Registered.Origin,
            ["logKey"] = log.Signer.VerifierKey.ToString(),
            ["size"] = head.Size.ToString(CultureInfo.InvariantCulture),
            ["state"] = log.Registered.State,
        };
        if (log.Registered.CreatedAt is { } created) json["createdAt"] = created;
        if (log.Registered.FrozenSize is { } frozen) json["frozenSize"] = frozen.ToString(CultureInfo.InvariantCulture);
        if (log.Registered.FrozenAt is { } frozenAt) json["frozenAt"] = frozenAt;
        return json;
    }

    /// <summary>One log's read routes, the same handlers as the default log's top-level routes, given that log's store and bundles.</summary>
    private static async Task<IResult> ReadAsync(HttpContext context, string path, ServedLogs logs, KnownProviders known, IOptions<AnchorOptions> options,
        CancellationToken cancellationToken)
    {
        var (origin, tail) = await logs.SplitAsync(path)
            ?? throw new ProblemException(ErrorCodes.LogUnknown, $"no registered log is named by /v1/logs/{Problem.Short(path)}", StatusCodes.Status404NotFound);
        var log = await logs.GetAsync(origin);
        var query = context.Request.Query;
        string? Query(string name) => query.TryGetValue(name, out var v) ? v.ToString() : null;
        if (tail == "checkpoint") return await LogEndpoints.CheckpointAsync(log.Store, log.Signer);
        if (tail.StartsWith("tile/", StringComparison.Ordinal)) return await LogEndpoints.TileAsync(context, tail["tile/".Length..], log.Store);
        if (tail == "consistency") return await ProofEndpoints.ConsistencyAsync(Query("from"), Query("to"), log.Store);
        if (tail == "proofs") return await ProofEndpoints.ByHashAsync(context, Query("hash"), Query("cursor"), log.Store, log.Bundles, options, cancellationToken);
        if (tail.StartsWith("proofs/", StringComparison.Ordinal))
            return await ProofEndpoints.ByLeafAsync(context, tail["proofs/".Length..], log.Bundles, options, cancellationToken);
        if (tail == "") return Results.Text((await DescribeAsync(log)).ToJsonString(), "application/json");
        throw new ProblemException(ErrorCodes.NotFound, $"log '{origin}' has no route '{Problem.Short(tail)}'");
    }
}
