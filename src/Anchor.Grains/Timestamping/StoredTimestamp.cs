using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Grains.Timestamping;

/// <summary>
/// One token as the node stores it with the kept checkpoint of <see cref="Size"/>: the bundle's time-stamp member
/// (<see cref="TsaTimestamp"/>: tsa, hashAlg, token), and for operators its genTime and when it was recorded.
/// </summary>
public sealed record StoredTimestamp(ulong Size, TsaTimestamp Stamp, string GenTime, string RecordedAt)
{
    public string ToJson()
    {
        var json = Stamp.ToJson();
        json["treeSize"] = Size.ToString(CultureInfo.InvariantCulture);
        json["genTime"] = GenTime;
        json["recordedAt"] = RecordedAt;
        return json.ToJsonString();
    }

    public static StoredTimestamp FromJson(string text)
    {
        var json = (JsonObject)Jcs.ParseStrict(text);
        return new StoredTimestamp(ulong.Parse(json["treeSize"]!.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture),
            TsaTimestamp.FromJson(json), json["genTime"]!.GetValue<string>(), json["recordedAt"]!.GetValue<string>());
    }
}

/// <summary>A TSA's last round, for health, metrics and `anchor status`.</summary>
/// <param name="State">"ok", "down" (not reachable) or "error" (it answered, and the answer was refused).</param>
/// <param name="LastSize">The largest tree size it has time-stamped.</param>
/// <param name="LastGenTime">That token's genTime.</param>
/// <param name="PendingSize">The checkpoint it must stamp next (asked again each round until it answers).</param>
public sealed record TimestampingRound(string State, ulong LastSize, string? LastGenTime, ulong? PendingSize, string? LastError, string? LastReason, string UpdatedAt)
{
    public string ToJson()
    {
        var json = new JsonObject { ["state"] = State, ["lastSize"] = LastSize.ToString(CultureInfo.InvariantCulture), ["updatedAt"] = UpdatedAt };
        if (LastGenTime is not null) json["lastGenTime"] = LastGenTime;
        if (PendingSize is { } pending) json["pendingSize"] = pending.ToString(CultureInfo.InvariantCulture);
        if (LastError is not null) json["lastError"] = LastError;
        if (LastReason is not null) json["lastReason"] = LastReason;
        return json.ToJsonString();
    }

    public static TimestampingRound FromJson(string text)
    {
        var j = (JsonObject)Jcs.ParseStrict(text);
        return new TimestampingRound(j["state"]!.GetValue<string>(), ulong.Parse(j["lastSize"]!.GetValue<string>(), CultureInfo.InvariantCulture),
            j["lastGenTime"]?.GetValue<string>(), j["pendingSize"] is JsonValue p ? ulong.Parse(p.GetValue<string>(), CultureInfo.InvariantCulture) : null,
            j["lastError"]?.GetValue<string>(), j["lastReason"]?.GetValue<string>(), j["updatedAt"]!.GetValue<string>());
    }
}
