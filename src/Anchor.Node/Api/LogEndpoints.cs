using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Node.Anchoring;
using Anchor.Node.Timestamping;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>The public face of the log (checkpoint, hash tiles (c2sp tlog-tiles), node description, anchors), and health on the operator listener.</summary>
public static class LogEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/checkpoint", CheckpointAsync).WithSummary("The latest signed checkpoint (C2SP signed note, text/plain)")
            .Produces<string>(200, "text/plain");
        app.MapGet("/tile/{**path}", TileAsync).WithSummary("A hash tile, tile/L/N[.p/W] (c2sp tlog-tiles); entry bundles are not public")
            .Produces<byte[]>(200, "application/octet-stream").ProducesProblem(404);
        app.MapGet("/v1/node", Describe).WithSummary("Origin, log key (vkey), chains (name, chain ID, registry, operator, log ID), TSAs and version");
        app.MapGet("/v1/trust", async (NodeTrust trust) => Results.Text((await trust.FileAsync()).ToJson().ToJsonString(), "application/json"))
            .WithSummary("This node's entry for a verifier's trust file (anchor-trust/v1): origin, log key, per chain registry, operator and log ID, and its TSAs' roots");
        app.MapGet("/v1/anchors", AnchorsAsync).WithSummary("Anchors of the log on every chain, newest first, with their state (pending, confirmed, orphaned)");
        app.MapGet("/healthz", HealthAsync).WithSummary("Redis reachable, sequencer ready (not refusing), durability as checked at start (operator listener only)")
            .WithMetadata(new OperatorOnly()).ExcludeFromDescription();
    }

    internal static async Task<IResult> CheckpointAsync(LogStore store, NoteSigner signer)
    {
        var head = await store.ReadHeadAsync();
        // An empty log has no stored checkpoint yet; the checkpoint of size 0 is signed on demand.
        var note = head.Checkpoint ?? signer.Sign(new Checkpoint(store.Origin, 0, head.Root));
        return Results.Text(note, "text/plain; charset=utf-8");
    }

    internal static async Task<IResult> TileAsync(HttpContext context, string path, LogStore store)
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

    /// <summary>
    /// What a client needs to know of the node: per chain the operator account and the log ID it anchors under (the log ID
    /// depends on the account), and its TSAs. Never the RPC URLs: they usually embed the RPC provider's API key.
    /// </summary>
    private static IResult Describe(LogStore store, NoteSigner signer, NodeTrust trust, SealedLog sealedLog,
        Microsoft.Extensions.Options.IOptions<AnchoringOptions> anchoring, Microsoft.Extensions.Options.IOptions<TimestampingOptions> timestamping) =>
        Results.Text(new JsonObject
        {
            ["origin"] = store.Origin,
            ["logKey"] = signer.VerifierKey.ToString(),
            // With a root log, the chains and TSAs seal its checkpoints, which hold this log's (docs/sealing.md).
            ["rootLog"] = sealedLog.Rooted ? new JsonObject { ["origin"] = sealedLog.Log.Origin, ["logKey"] = sealedLog.Signer.VerifierKey.ToString() } : null,
            ["chains"] = new JsonArray([.. anchoring.Value.Chains.Select(c =>
            {
                var chain = new JsonObject
                {
                    ["name"] = c.Name,
                    ["chainId"] = c.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["registry"] = c.Registry,
                };
                if (trust.Chain(c) is { } trusted)
                {
                    chain["operator"] = trusted.Operator;
                    chain["logId"] = trusted.LogId;
                }
                return (JsonNode)chain;
            })]),
            ["tsa"] = new JsonArray([.. timestamping.Value.Tsas.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["url"] = t.Url.ToString(),
                ["hashAlg"] = t.HashAlg,
            })]),
            ["version"] = typeof(LogEndpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        }.ToJsonString(), "application/json");

    /// <summary>GET /v1/anchors lists this many of the newest records per chain (bundles name the older ones).</summary>
    public const int AnchorsListed = 100;

    private static async Task<IResult> AnchorsAsync(ILogAnchors anchors, CancellationToken cancellationToken)
    {
        var list = await anchors.NewestAsync(AnchorsListed, cancellationToken);
        return Results.Text(new JsonObject { ["anchors"] = new JsonArray([.. list.Select(a => (JsonNode)a.ToJson())]) }.ToJsonString(), "application/json");
    }

    /// <summary>Each probe of /healthz gets this long: a health check must answer while what it checks does not.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);

    private static async Task<IResult> HealthAsync(StackExchange.Redis.IConnectionMultiplexer redis, IGrainFactory grains, LogStore store,
        IAnchoringStatus anchoring, TimestampingStatus timestamping, Durability.DurabilityStatus durability, CancellationToken cancellationToken)
    {
        // Relaxed durability is reported, not unhealthy: it was chosen. Durability lost since the start is unhealthy.
        var status = new JsonObject { ["durability"] = durability.ToJson() };
        var healthy = durability.Problem is null;
        // All probes at once, so the answer takes the longest of them, not their sum.
        var ping = redis.GetDatabase().PingAsync().WaitAsync(ProbeTimeout, cancellationToken);
        var sequencerStatus = grains.GetGrain<ISequencerGrain>(store.Origin).Status().WaitAsync(ProbeTimeout, cancellationToken);
        var chainsStatus = anchoring.ChainsAsync(cancellationToken).WaitAsync(ProbeTimeout, cancellationToken);
        try
        {
            status["redisMs"] = (await ping).TotalMilliseconds;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            healthy = false;
            status["redis"] = Brief(ex);
        }
        try
        {
            var sequencer = await sequencerStatus;
            status["sequencerReady"] = sequencer.Ready;
            status["sequencerSilo"] = sequencer.Silo;
            status["size"] = sequencer.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (sequencer.Problem is not null) status["sequencer"] = sequencer.Problem;
            if (sequencer.Code is not null) status["code"] = sequencer.Code; // log_rolled_back: the log refuses to sequence.
            healthy &= sequencer.Ready;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            healthy = false;
            status["sequencer"] = Brief(ex);
        }
        try
        {
            // Anchoring trouble does not make the node unhealthy: the ledger keeps accepting evidence.
            var chains = new JsonArray();
            foreach (var c in await chainsStatus)
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
            status["chains"] = Brief(ex);
        }
        try
        {
            // Like anchoring, a TSA that is down does not make the node unhealthy.
            status["tsa"] = new JsonArray([.. (await timestamping.TsasAsync().WaitAsync(ProbeTimeout, cancellationToken)).Select(t => (JsonNode)TsaHealth(t))]);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            status["tsa"] = Brief(ex);
        }
        status["status"] = healthy ? "ok" : "unavailable";
        return Results.Text(status.ToJsonString(), "application/json", statusCode: healthy ? 200 : 503);
    }

    /// <summary>The first clause of a failure (StackExchange.Redis appends a page of connection diagnostics after a ';').</summary>
    private static string Brief(Exception ex)
    {
        var message = ex.Message;
        var end = message.IndexOf(';', StringComparison.Ordinal);
        return ex.GetType().Name + ": " + (end > 0 ? message[..end] : Problem.Short(message));
    }

    /// <summary>One TSA's state as /healthz and the operator's status show it.</summary>
    public static JsonObject TsaHealth(TsaStatus t)
    {
        var tsa = new JsonObject
        {
            ["name"] = t.Name,
            ["url"] = t.Url,
            ["hashAlg"] = t.HashAlg,
            ["state"] = t.State,
            ["lastSealedSize"] = t.LastSealedSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["lagEntries"] = t.LagEntries.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (t.LastGenTime is not null) tsa["lastGenTime"] = t.LastGenTime;
        if (t.LagSeconds is { } lag) tsa["lagSeconds"] = Math.Round(lag, 1);
        if (t.PendingSize is { } pending) tsa["pendingSize"] = pending.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (t.LastReason is not null) tsa["lastReason"] = t.LastReason;
        if (t.LastError is not null) tsa["lastError"] = t.LastError;
        return tsa;
    }
}
