using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// The seal of the current round (key <c>seal</c> under the log's prefix): the one checkpoint that every sealer of the
/// round, each TSA and each chain, time-stamps or anchors, so that bundles can carry a TSA token and a chain anchor
/// for the same tree. The first sealer of a round keeps the head's checkpoint and publishes it; the others take it.
/// <code>
/// seal   STRING  {"size", "root", "checkpoint"} of the round's checkpoint; expires one sealing interval after it was set
/// </code>
/// </summary>
public sealed class SealStore(IConnectionMultiplexer redis, LogStore log)
{
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly RedisKey _key = log.Keys.Full("seal");

    /// <summary>
    /// The checkpoint to seal this round: the one a sealer published within the last <paramref name="interval"/>, else
    /// <paramref name="head"/>'s, kept (so bundles can name it forever) before it is published. Null for an empty log.
    /// </summary>
    public async Task<LogHead?> CurrentAsync(LogHead head, TimeSpan interval)
    {
        if (await PublishedAsync().ConfigureAwait(false) is { } published) return published;
        if (head.Size == 0 || head.Checkpoint is null) return null;
        // Kept before it is published: no sealer can stamp or anchor a checkpoint a bundle could not name.
        await log.KeepCheckpointAsync(head.Size, head.Checkpoint).ConfigureAwait(false);
        var json = new JsonObject
        {
            ["size"] = head.Size.ToString(CultureInfo.InvariantCulture),
            ["root"] = head.RootHex,
            ["checkpoint"] = head.Checkpoint,
        }.ToJsonString();
        if (await _db.StringSetAsync(_key, json, interval, When.NotExists).ConfigureAwait(false)) return head;
        // Another sealer published first, in the same instant: seal theirs.
        return Parse(await _db.StringGetAsync(_key).ConfigureAwait(false)) ?? head;
    }

    /// <summary>The seal a sealer published within the last interval, or null.</summary>
    public async Task<LogHead?> PublishedAsync() => Parse(await _db.StringGetAsync(_key).ConfigureAwait(false));

    private static LogHead? Parse(RedisValue value)
    {
        if (value.IsNullOrEmpty || JsonNode.Parse((string)value!) is not JsonObject json) return null;
        return new LogHead(ulong.Parse(json["size"]!.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture),
            Hex.Decode(json["root"]!.GetValue<string>()), json["checkpoint"]!.GetValue<string>());
    }
}
