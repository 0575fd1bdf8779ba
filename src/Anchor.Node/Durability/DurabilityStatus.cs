using System.Text.Json.Nodes;
using Anchor.Storage;

namespace Anchor.Node.Durability;

/// <summary>
/// What the node found at start about Redis durability (<see cref="DurabilityCheck"/>), for /healthz and `anchor status`:
/// <see cref="Mode"/> is <c>durable</c>, <c>relaxed</c> or <c>throwaway</c>. When the guarantee rests on
/// <c>appendfsync always</c>, the health probe reads CONFIG again every few seconds, and <see cref="Problem"/> says so
/// (and /healthz turns 503) should someone switch it off under a running node.
/// </summary>
public sealed class DurabilityStatus(string mode, string guarantee, int replicas, IReadOnlyList<string> warnings, bool watchFsync)
{
    public string Mode { get; } = mode;
    public string Guarantee { get; } = guarantee;
    public int Replicas { get; } = replicas;
    public IReadOnlyList<string> Warnings { get; } = warnings;

    /// <summary>Durability rests on <c>appendfsync always</c>, which someone can switch off under a running node (<see cref="DurabilityGate"/> then withholds answers).</summary>
    public bool WatchesFsync => watchFsync;

    /// <summary>Null while what was checked at start still holds.</summary>
    public string? Problem { get; private set; }

    /// <summary>Compares a fresh reading with the start's; a server that cannot be read keeps the last verdict.</summary>
    public void Recheck(RedisPersistence now)
    {
        if (!watchFsync || now.ConfigError is not null) return;
        Problem = now.FsyncsEveryWrite ? null
            : $"{now.Where} no longer fsyncs every write (appendonly {(now.AppendOnly == true ? "yes" : "no")}, appendfsync {now.AppendFsync}): acknowledged records can be lost; restore appendfsync always";
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["mode"] = Mode, ["guarantee"] = Guarantee, ["replicas"] = Replicas };
        if (Warnings.Count > 0) json["warnings"] = new JsonArray([.. Warnings.Select(w => (JsonNode)w)]);
        if (Problem is not null) json["problem"] = Problem;
        return json;
    }
}
