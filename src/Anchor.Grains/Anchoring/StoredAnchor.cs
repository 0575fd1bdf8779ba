using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Anchor.Chain;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Grains.Anchoring;

public static class AnchorStates
{
    /// <summary>Signed and recorded (then sent), or mined and not final yet: re-checked every round.</summary>
    public const string Pending = "pending";
    /// <summary>Mined and final (the chain's finalized block, or the configured confirmations): bundles name it.</summary>
    public const string Confirmed = "confirmed";
    /// <summary>Was sent or mined, then a reorg or another transaction of the nonce removed it; the log is anchored again.</summary>
    public const string Orphaned = "orphaned";
    /// <summary>Mined and reverted; its detail holds the decoded reason. The round goes on, and anchors again.</summary>
    public const string Failed = "failed";
}

/// <summary>
/// One anchor as the node records it: the bundle's anchor fields (<see cref="ChainAnchor"/>), its state,
/// and what it cost. A pending anchor has no block yet, so its block fields are empty strings.
/// </summary>
public sealed record StoredAnchor(string Id, string Chain, ChainAnchor Anchor, string State, ulong? GasUsed, string RecordedAt, string? Detail)
{
    /// <summary>A new attempt's id: the zero-padded size first, so ids sort by size, then something unique.</summary>
    public static string NewId(ulong treeSize) => treeSize.ToString("D20", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];

    public ulong TreeSize => ulong.Parse(Anchor.TreeSize, NumberStyles.None, CultureInfo.InvariantCulture);

    public JsonObject ToJson()
    {
        var json = Anchor.ToJson();
        json["id"] = Id;
        json["chain"] = Chain;
        json["state"] = State;
        if (GasUsed is { } gas) json["gasUsed"] = gas.ToString(CultureInfo.InvariantCulture);
        json["recordedAt"] = RecordedAt;
        if (Detail is not null) json["detail"] = Detail;
        return json;
    }

    public static StoredAnchor FromJson(string text)
    {
        var json = (JsonObject)Jcs.ParseStrict(text);
        return new StoredAnchor(
            json["id"]!.GetValue<string>(),
            json["chain"]!.GetValue<string>(), ChainAnchor.FromJson(json), json["state"]!.GetValue<string>(),
            json["gasUsed"] is JsonValue g ? ulong.Parse(g.GetValue<string>(), CultureInfo.InvariantCulture) : null,
            json["recordedAt"]!.GetValue<string>(), json["detail"]?.GetValue<string>());
    }
}

/// <summary>
/// The anchoring transaction in flight, signed, and persisted before it is sent (its raw bytes and hash too), so a node that
/// restarts after a crash at any point knows the hash, sends the bytes again if no endpoint knows them, or replaces it.
/// </summary>
public sealed record PendingAnchor(string RecordId, ulong TreeSize, string Root, SentTransaction Sent)
{
    public string ToJson() => new JsonObject
    {
        ["recordId"] = RecordId,
        ["treeSize"] = TreeSize.ToString(CultureInfo.InvariantCulture),
        ["root"] = Root,
        ["from"] = Sent.From,
        ["to"] = Sent.To,
        ["data"] = Sent.Data,
        ["gas"] = Sent.Gas.ToString(CultureInfo.InvariantCulture),
        ["nonce"] = Sent.Nonce.ToString(CultureInfo.InvariantCulture),
        ["maxFeePerGas"] = Sent.MaxFeePerGas.ToString(CultureInfo.InvariantCulture),
        ["maxPriorityFeePerGas"] = Sent.MaxPriorityFeePerGas.ToString(CultureInfo.InvariantCulture),
        ["hashes"] = new JsonArray([.. Sent.Hashes.Select(h => (JsonNode)h)]),
        ["sentAt"] = Times.ToText(Sent.SentAt),
        ["raw"] = Sent.Raw,
    }.ToJsonString();

    public static PendingAnchor FromJson(string text)
    {
        var j = (JsonObject)Jcs.ParseStrict(text);
        string S(string name) => j[name]!.GetValue<string>();
        Times.TryParse(S("sentAt"), out var sentAt);
        return new PendingAnchor(S("recordId"), ulong.Parse(S("treeSize"), CultureInfo.InvariantCulture), S("root"), new SentTransaction(
            S("from"), j["to"]?.GetValue<string>(), S("data"), ulong.Parse(S("gas"), CultureInfo.InvariantCulture),
            ulong.Parse(S("nonce"), CultureInfo.InvariantCulture), BigInteger.Parse(S("maxFeePerGas"), CultureInfo.InvariantCulture),
            BigInteger.Parse(S("maxPriorityFeePerGas"), CultureInfo.InvariantCulture),
            [.. ((JsonArray)j["hashes"]!).Select(h => h!.GetValue<string>())], sentAt, j["raw"]?.GetValue<string>() ?? ""));
    }
}

/// <summary>The last round's outcome on one chain, for health, metrics and `anchor status`.</summary>
public sealed record AnchoringRound(string State, string? Account, string? BalanceWei, ulong? LastGasUsed, ulong? LastConfirmations, string? LastError, string UpdatedAt)
{
    public string ToJson()
    {
        var json = new JsonObject { ["state"] = State, ["updatedAt"] = UpdatedAt };
        if (Account is not null) json["account"] = Account;
        if (BalanceWei is not null) json["balanceWei"] = BalanceWei;
        if (LastGasUsed is { } gas) json["lastGasUsed"] = gas.ToString(CultureInfo.InvariantCulture);
        if (LastConfirmations is { } c) json["lastConfirmations"] = c.ToString(CultureInfo.InvariantCulture);
        if (LastError is not null) json["lastError"] = LastError;
        return json.ToJsonString();
    }

    public static AnchoringRound FromJson(string text)
    {
        var j = (JsonObject)Jcs.ParseStrict(text);
        return new AnchoringRound(j["state"]!.GetValue<string>(), j["account"]?.GetValue<string>(), j["balanceWei"]?.GetValue<string>(),
            j["lastGasUsed"] is JsonValue g ? ulong.Parse(g.GetValue<string>(), CultureInfo.InvariantCulture) : null,
            j["lastConfirmations"] is JsonValue c ? ulong.Parse(c.GetValue<string>(), CultureInfo.InvariantCulture) : null,
            j["lastError"]?.GetValue<string>(), j["updatedAt"]!.GetValue<string>());
    }
}
