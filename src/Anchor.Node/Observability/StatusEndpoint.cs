using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Node.Anchoring;
using Anchor.Node.Api;
using Anchor.Node.Timestamping;
using Anchor.Storage;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Anchor.Node.Observability;

/// <summary>
/// GET /v1/admin/status (operator): what `anchor status` prints. Durability, the log head and the age of its
/// checkpoint (and why it refuses to sequence, if it does), every chain's anchoring, every TSA's time-stamping, the
/// cluster's silos, and Redis persistence. Each part is
/// gathered on its own, so one unreachable part is reported as such and the rest still answers.
/// </summary>
public static class StatusEndpoint
{
    public static void Map(RouteGroupBuilder admin) =>
        admin.MapGet("/status", StatusAsync).WithSummary("Log size and checkpoint age, anchoring per chain, time-stamping per TSA, cluster silos, Redis persistence");

    private static async Task<IResult> StatusAsync(LogStore store, IGrainFactory grains, IConnectionMultiplexer redis,
        IServiceProvider services, TimeProvider time, Durability.DurabilityStatus durability, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var status = new JsonObject { ["origin"] = store.Origin, ["time"] = Times.ToText(now), ["durability"] = durability.ToJson() };
        status["log"] = await Part(() => LogAsync(store, grains, now));
        status["logs"] = await Part(() => LogsAsync(services.GetRequiredService<ServedLogs>(), grains));
        status["chains"] = await Part(() => ChainsAsync(services, cancellationToken));
        status["tsa"] = await Part(async () => (JsonNode)new JsonArray([.. (await services.GetRequiredService<TimestampingStatus>().TsasAsync())
            .Select(t => (JsonNode)LogEndpoints.TsaHealth(t))]));
        status["silos"] = await Part(() => SilosAsync(grains));
        status["redis"] = await Part(() => RedisAsync(redis));
        return Results.Text(status.ToJsonString(), "application/json");
    }

    private static async Task<JsonNode> Part(Func<Task<JsonNode>> gather)
    {
        try
        {
            return await gather().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex)
        {
            return new JsonObject { ["error"] = ex.GetType().Name + ": " + ex.Message };
        }
    }

    private static async Task<JsonNode> LogAsync(LogStore store, IGrainFactory grains, DateTimeOffset now)
    {
        var head = await store.ReadHeadAsync();
        var log = new JsonObject { ["size"] = head.Size.ToString(CultureInfo.InvariantCulture), ["root"] = head.RootHex };
        // Why the sequencer refuses (log_rolled_back), if it does: the first thing an operator must see.
        try
        {
            if (await grains.GetGrain<Grains.ISequencerGrain>(store.Origin).Status().WaitAsync(TimeSpan.FromSeconds(5)) is { Code: not null } sequencer)
            {
                log["refusing"] = sequencer.Code;
                log["problem"] = sequencer.Problem;
            }
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            log["sequencer"] = ex.GetType().Name + ": " + ex.Message;
        }
        // The checkpoint is signed in the batch that sequenced the last entry, so that entry's receivedAt is its time.
        if (head.Size > 0 && await store.ReadEntryAsync(head.Size - 1, head) is { } last
            && JsonNode.Parse(last)?["receivedAt"]?.GetValue<string>() is { } receivedAt
            && DateTimeOffset.TryParse(receivedAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            log["checkpointTime"] = receivedAt;
            log["checkpointAgeSeconds"] = Math.Round(Math.Max(0, (now - at).TotalSeconds), 3);
        }
        return log;
    }

    /// <summary>Every log of the cluster: its description (<see cref="LogSetEndpoints.DescribeAsync"/>) and its sequencer's state.</summary>
    private static async Task<JsonNode> LogsAsync(ServedLogs logs, IGrainFactory grains)
    {
        var list = new JsonArray();
        foreach (var registered in await logs.Set.ListAsync())
        {
            var log = await LogSetEndpoints.DescribeAsync(await logs.GetAsync(registered.Origin));
            try
            {
                var sequencer = await grains.GetGrain<Grains.ISequencerGrain>(registered.Origin).Status().WaitAsync(TimeSpan.FromSeconds(5));
                log["sequencer"] = sequencer.Code ?? (sequencer.Ready ? "ready" : "loading");
                if (sequencer.Problem is not null) log["problem"] = sequencer.Problem;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                log["sequencer"] = ex.GetType().Name + ": " + ex.Message;
            }
            list.Add(log);
        }
        return list;
    }

    private static async Task<JsonNode> ChainsAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IAnchoringStatus>() is not { } anchoring)
            return new JsonObject { ["error"] = "anchoring is not available in this node" };
        var list = new JsonArray();
        foreach (var c in await anchoring.ChainsAsync(cancellationToken))
        {
            var chain = new JsonObject
            {
                ["name"] = c.Name,
                ["chainId"] = c.ChainId.ToString(CultureInfo.InvariantCulture),
                ["registry"] = c.Registry,
                ["state"] = c.State,
                ["lastAnchoredSize"] = c.LastAnchoredSize.ToString(CultureInfo.InvariantCulture),
                ["lagEntries"] = c.LagEntries.ToString(CultureInfo.InvariantCulture),
                ["confirmations"] = c.Confirmations.ToString(CultureInfo.InvariantCulture),
            };
            if (c.Account is not null) chain["account"] = c.Account;
            if (c.LastAnchorAt is { } anchoredAt) chain["lastAnchorAt"] = Times.ToText(anchoredAt);
            if (c.LagSeconds is { } lag) chain["lagSeconds"] = Math.Round(lag, 3);
            if (c.BalanceWei is not null) chain["balanceWei"] = c.BalanceWei;
            if (c.LastGasUsed is { } gas) chain["lastGasUsed"] = gas.ToString(CultureInfo.InvariantCulture);
            if (c.LastError is not null) chain["lastError"] = c.LastError;
            list.Add(chain);
        }
        return list;
    }

    private static async Task<JsonNode> SilosAsync(IGrainFactory grains)
    {
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
        var list = new JsonArray();
        foreach (var h in hosts.OrderBy(h => h.SiloAddress.ToString(), StringComparer.Ordinal))
        {
            list.Add(new JsonObject
            {
                ["address"] = h.SiloAddress.ToString(),
                ["name"] = h.SiloName,
                ["status"] = h.Status.ToString(),
                ["startTime"] = Times.ToText(h.StartTime),
            });
        }
        return list;
    }

    private static async Task<JsonNode> RedisAsync(IConnectionMultiplexer redis)
    {
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var info = (await server.InfoAsync("persistence")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var result = new JsonObject { ["endpoint"] = server.EndPoint.ToString() };
        foreach (var key in new[] { "aof_enabled", "aof_last_write_status", "aof_last_bgrewrite_status", "aof_rewrite_in_progress", "rdb_last_bgsave_status", "rdb_changes_since_last_save", "loading" })
            if (info.TryGetValue(key, out var value)) result[key] = value;
        result["latencyMs"] = Math.Round((await redis.GetDatabase().PingAsync()).TotalMilliseconds, 3);
        return result;
    }
}
