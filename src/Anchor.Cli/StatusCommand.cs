using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor status [--node URL] [--admin-token-file F] [--json]</c>: the operator's view of a node, from
/// GET /v1/admin/status: durability, log size and checkpoint age (and a refusal to sequence), anchoring per chain,
/// time-stamping per TSA, the cluster's silos, Redis persistence.
/// Exit 0 when the node answered; the text says what is wrong, --json carries every field.
/// </summary>
public static class StatusCommand
{
    public static Command Build() =>
        AdminCommands.WithNode(new Command("status", "Show the log, anchoring per chain, time-stamping per TSA, cluster silos and Redis persistence of a node."),
            async (parseResult, client, ct) =>
            {
                var status = await client.GetAsync("v1/admin/status", ct);
                parseResult.InvocationConfiguration.Output.Write(parseResult.GetValue(GlobalOptions.Json) ? JsonOutput.Line(status) + "\n" : Describe(status));
                return 0;
            });

    public static string Describe(JsonObject status)
    {
        var text = new StringBuilder();
        if (status["durability"] is JsonObject durability)
        {
            text.AppendLine($"durability {durability["mode"]}: {durability["guarantee"]}");
            if (durability["problem"] is { } lost) text.AppendLine($"  PROBLEM: {lost}");
            if (durability["warnings"] is JsonArray warnings) foreach (var w in warnings) text.AppendLine($"  warning: {w}");
        }
        text.AppendLine($"log       {status["origin"]}");
        var log = status["log"];
        if (log?["error"] is { } logError) text.AppendLine($"  unavailable: {logError}");
        else
        {
            text.Append($"  size {log?["size"]}");
            text.AppendLine(log?["checkpointAgeSeconds"] is { } age ? $", last checkpoint {age} s ago ({log?["checkpointTime"]})" : ", no checkpoint yet");
            if (log?["refusing"] is { } code) text.AppendLine($"  REFUSING TO SEQUENCE ({code}): {log?["problem"]}");
        }
        if (status["logs"] is JsonArray logs)
        {
            text.AppendLine("logs");
            foreach (var l in logs)
            {
                text.AppendLine($"  {l?["origin"]}  size {l?["size"]}  {l?["state"]}{(l?["frozenSize"] is { } frozen ? $" at {frozen}" : "")}  sequencer {l?["sequencer"]}");
                if (l?["problem"] is { } problem) text.AppendLine($"    problem: {problem}");
            }
        }
        else if (status["logs"]?["error"] is { } logsError) text.AppendLine($"logs\n  unavailable: {logsError}");
        text.AppendLine("chains");
        if (status["chains"] is JsonArray chains)
        {
            if (chains.Count == 0) text.AppendLine("  none configured");
            foreach (var c in chains)
            {
                text.AppendLine($"  {c?["name"]} (chain {c?["chainId"]}, registry {c?["registry"]}): {c?["state"]}");
                text.AppendLine($"    anchored size {c?["lastAnchoredSize"]}{(c?["lastAnchorAt"] is { } at ? $" at {at}" : "")}, confirmations {c?["confirmations"]}, " +
                                $"lag {c?["lagEntries"]} entries{(c?["lagSeconds"] is { } lag ? $" / {lag} s" : "")}");
                text.AppendLine($"    account {c?["account"] ?? "?"}, balance {(c?["balanceWei"] is { } wei ? Anchor.Chain.EtherAmount.Format(wei.ToString()) : "?")}{(c?["lastGasUsed"] is { } gas ? $", last gas {gas}" : "")}");
                if (c?["lastError"] is { } error) text.AppendLine($"    last error: {error}");
            }
        }
        else text.AppendLine($"  unavailable: {status["chains"]?["error"]}");
        text.AppendLine("tsa");
        if (status["tsa"] is JsonArray tsas)
        {
            if (tsas.Count == 0) text.AppendLine("  none configured");
            foreach (var t in tsas)
            {
                text.AppendLine($"  {t?["name"]} ({t?["url"]}, {t?["hashAlg"]}): {t?["state"]}");
                text.AppendLine($"    time-stamped size {t?["lastSealedSize"]}{(t?["lastGenTime"] is { } gen ? $" at {gen}" : "")}, " +
                                $"lag {t?["lagEntries"]} entries{(t?["lagSeconds"] is { } lag ? $" / {lag} s" : "")}{(t?["pendingSize"] is { } p ? $", owes size {p}" : "")}");
                if (t?["lastError"] is { } error) text.AppendLine($"    last error ({t?["lastReason"]}): {error}");
            }
        }
        else text.AppendLine($"  unavailable: {status["tsa"]?["error"]}");
        text.AppendLine("silos");
        if (status["silos"] is JsonArray silos)
            foreach (var s in silos) text.AppendLine($"  {s?["address"]}  {s?["status"]}  {s?["name"]}  since {s?["startTime"]}");
        else text.AppendLine($"  unavailable: {status["silos"]?["error"]}");
        var redis = status["redis"];
        text.AppendLine($"redis     {redis?["endpoint"]}");
        if (redis?["error"] is { } redisError) text.AppendLine($"  unavailable: {redisError}");
        else
            text.AppendLine($"  aof {(redis?["aof_enabled"]?.ToString() == "1" ? "on" : "OFF")}, last write {redis?["aof_last_write_status"]}, " +
                            $"last rewrite {redis?["aof_last_bgrewrite_status"]}, ping {redis?["latencyMs"]} ms");
        return text.ToString();
    }
}
