using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Node.Anchoring;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>The public face of the log: checkpoint, hash tiles (c2sp tlog-tiles), node description, anchors, health.</summary>
public static class LogEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/checkpoint", CheckpointAsync).WithSummary("The latest signed checkpoint (C2SP signed note, text/plain)")
            .Produces<string>(200, "text/plain");
        app.MapGet("/tile/{**path}", TileAsync).WithSummary("A hash tile, tile/L/N[.p/W] (c2sp tlog-tiles); entry bundles are not public")
            .Produces<byte[]>(200, "application/octet-stream").ProducesProblem(404);
        app.MapGet("/v1/node", Describe).WithSummary("Origin, log key (vkey), chains and version");
        app.MapGet("/v1/trust", (NodeTrust trust) => Results.Text(trust.File.ToJson().ToJsonString(), "application/json"))
            .WithSummary("This node's entry for a verifier's trust file (anchor-trust/v1): origin, log key, and per chain registry, operator and log ID");
        app.MapGet("/v1/anchors", AnchorsAsync).WithSummary("Anchors of the log on every chain, newest first, with their state (pending, confirmed, orphaned)");
        app.MapGet("/healthz", HealthAsync).WithSummary("Redis reachable, sequencer ready (not refusing), durability as checked at start");
    }

    private static async Task<IResult> CheckpointAsync(LogStore store, NoteSigner signer)
    {
        var head = await store.ReadHeadAsync();
        // An empty log has no stored checkpoint yet; the checkpoint of size 0 is signed on demand.
        var note = head.Checkpoint ?? signer.Sign(new Checkpoint(store.Origin, 0, head.Root));
        return Results.Text(note, "text/plain; charset=utf-8");
    }

    private static async Task<IResult> TileAsync(HttpContext context, string path, LogStore store)
    {
        // Tile level 7 already holds Merkle level 56; no log of 2^64 entries needs more.
        if (!TileId.TryParse(path, out var tile) || tile.Level is < 0 or > 7)
            throw new ProblemException(ErrorCodes.NotFound, $"no tile at /tile/{(path.Length > 80 ? path[..80] : path)} (entry bundles are not public)");
        var head = await store.ReadHeadAsync();
        var bytes = await store.ReadTileAsync(tile.Level, tile.Index, tile.Width, head)
            ?? throw new ProblemException(ErrorCodes.NotFound, $"tile {path} is beyond the log's size {head.Size}");
        // A full tile never changes again; a partial one is superseded by a wider one.
        context.Response.Headers.CacheControl = tile.IsPartial ? "no-cache" : "public, max-age=31536000, immutable";
        return Results.Bytes(bytes, "application/octet-stream");
    }

    private static IResult Describe(LogStore store, NoteSigner signer, Microsoft.Extensions.Options.IOptions<AnchoringOptions> anchoring) =>
        Results.Text(new JsonObject
        {
            ["origin"] = store.Origin,
            ["logKey"] = signer.VerifierKey.ToString(),
            ["logId"] = EvidenceDigest.LogId(store.Origin),
            ["chains"] = new JsonArray([.. anchoring.Value.Chains.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name,
                ["chainId"] = c.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["rpc"] = c.RpcUrl,
                ["registry"] = c.Registry,
            })]),
            ["version"] = typeof(LogEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        }.ToJsonString(), "application/json");

    private static async Task<IResult> AnchorsAsync(ILogAnchors anchors, CancellationToken cancellationToken)
    {
        var list = await anchors.ListAsync(cancellationToken);
        return Results.Text(new JsonObject { ["anchors"] = new JsonArray([.. list.Select(a => (JsonNode)a.ToJson())]) }.ToJsonString(), "application/json");
    }

    private static async Task<IResult> HealthAsync(StackExchange.Redis.IConnectionMultiplexer redis, IGrainFactory grains, LogStore store,
        IAnchoringStatus anchoring, Durability.DurabilityStatus durability, CancellationToken cancellationToken)
    {
        // Relaxed durability is reported, not unhealthy: it was chosen. Durability lost since the start is unhealthy.
        var status = new JsonObject { ["durability"] = durability.ToJson() };
        var healthy = durability.Problem is null;
        try
        {
            status["redisMs"] = (await redis.GetDatabase().PingAsync()).TotalMilliseconds;
        }
        catch (Exception ex)
        {
            healthy = false;
            status["redis"] = ex.Message;
        }
        try
        {
            var sequencer = await grains.GetGrain<ISequencerGrain>(store.Origin).Status().WaitAsync(TimeSpan.FromSeconds(5));
            status["sequencerReady"] = sequencer.Ready;
            status["sequencerSilo"] = sequencer.Silo;
            status["size"] = sequencer.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (sequencer.Problem is not null) status["sequencer"] = sequencer.Problem;
            if (sequencer.Code is not null) status["code"] = sequencer.Code; // log_rolled_back: the log refuses to sequence.
            healthy &= sequencer.Ready;
        }
        catch (Exception ex)
        {
            healthy = false;
            status["sequencer"] = ex.Message;
        }
        try
        {
            // Anchoring trouble does not make the node unhealthy: the ledger keeps accepting evidence.
            var chains = new JsonArray();
            foreach (var c in await anchoring.ChainsAsync(cancellationToken))
            {
                var chain = new JsonObject
                {
                    ["name"] = c.Name,
                    ["chainId"] = c.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["state"] = c.State,
                    ["lastAnchoredSize"] = c.LastAnchoredSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["lagEntries"] = c.LagEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                if (c.LagSeconds is { } lag) chain["lagSeconds"] = Math.Round(lag, 1);
                if (c.LastError is not null) chain["lastError"] = c.LastError;
                chains.Add(chain);
            }
            status["chains"] = chains;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            status["chains"] = ex.Message;
        }
        status["status"] = healthy ? "ok" : "unavailable";
        return Results.Text(status.ToJsonString(), "application/json", statusCode: healthy ? 200 : 503);
    }
}
