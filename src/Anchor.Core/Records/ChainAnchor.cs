using System.Text.Json.Nodes;

namespace Anchor.Core.Records;

/// <summary>One anchoring of a checkpoint on a chain, as carried in a proof bundle (DESIGN A3).</summary>
public sealed record ChainAnchor(
    string ChainId,
    string Registry,
    string LogId,
    string TreeSize,
    string Root,
    string TxHash,
    string BlockNumber,
    string BlockHash,
    string BlockTime)
{
    /// <summary>The root as lowercase hex without a 0x prefix, whichever way the record spells it.</summary>
    public string RootHex => (Root.StartsWith("0x", StringComparison.Ordinal) ? Root[2..] : Root).ToLowerInvariant();

    public JsonObject ToJson() => new()
    {
        ["chainId"] = ChainId,
        ["registry"] = Registry,
        ["logId"] = LogId,
        ["treeSize"] = TreeSize,
        ["root"] = Root,
        ["txHash"] = TxHash,
        ["blockNumber"] = BlockNumber,
        ["blockHash"] = BlockHash,
        ["blockTime"] = BlockTime,
    };

    public static ChainAnchor FromJson(JsonNode? node)
    {
        const string what = "anchor";
        var obj = JsonFields.Object(node, what);
        return new ChainAnchor(
            JsonFields.Required(obj, "chainId", what),
            JsonFields.Required(obj, "registry", what),
            JsonFields.Required(obj, "logId", what),
            JsonFields.Required(obj, "treeSize", what),
            JsonFields.Required(obj, "root", what),
            JsonFields.Required(obj, "txHash", what),
            JsonFields.Required(obj, "blockNumber", what),
            JsonFields.Required(obj, "blockHash", what),
            JsonFields.Required(obj, "blockTime", what));
    }
}
