using System.CommandLine;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor logs list|create|freeze</c>: the logs of a cluster, through the node's admin API (<c>/v1/admin/logs</c>) and
/// its public list (<c>GET /v1/logs</c>), authenticated like <c>anchor admin</c>.
/// </summary>
public static class LogsCommands
{
    public static Command Build() => new("logs", "List, create and freeze the logs of a cluster (the create and freeze need the admin token).")
    {
        List(), Create(), Freeze(),
    };

    private static Command List() =>
        AdminCommands.WithNode(new Command("list", "Every log: origin, size, state (frozen at which size), log key."), async (parseResult, client, ct) =>
        {
            var answer = await client.GetAsync("v1/logs", ct);
            if (parseResult.GetValue(GlobalOptions.Json)) { parseResult.InvocationConfiguration.Output.WriteLine(JsonOutput.Line(answer)); return 0; }
            foreach (var log in answer["logs"] as JsonArray ?? []) parseResult.InvocationConfiguration.Output.WriteLine(Line(log!.AsObject()));
            return 0;
        });

    private static Command Create()
    {
        var origin = new Option<string>("--origin") { Description = "The new log's name (first line of its checkpoints, name of its key).", Required = true };
        return AdminCommands.WithNode(new Command("create", "Create a log, signed by the node's log key under its own name; prints its log key.") { origin },
            async (parseResult, client, ct) =>
            {
                var answer = await client.PostAsync("v1/admin/logs", new JsonObject { ["origin"] = parseResult.GetValue(origin) }, ct);
                Print(parseResult, answer, "created " + Line(answer));
                return 0;
            });
    }

    private static Command Freeze()
    {
        var origin = new Option<string>("--origin") { Description = "The log to freeze.", Required = true };
        return AdminCommands.WithNode(new Command("freeze", "Freeze a log at its current size: it takes no more records and stays readable; move its providers (anchor admin provider move).") { origin },
            async (parseResult, client, ct) =>
            {
                var answer = await client.PostAsync($"v1/admin/logs/{PathOf(parseResult.GetValue(origin)!)}/freeze", new JsonObject(), ct);
                Print(parseResult, answer, "frozen " + Line(answer));
                return 0;
            });
    }

    /// <summary>An origin in a URL path: each segment escaped, the '/' between them kept (the node matches the registered origin).</summary>
    public static string PathOf(string origin) => string.Join('/', origin.Split('/').Select(Uri.EscapeDataString));

    private static string Line(JsonObject log) =>
        $"{log["origin"]}\tsize {log["size"]}\t{log["state"]}{(log["frozenSize"] is { } size ? $" at {size}" : "")}\t{log["logKey"]}";

    private static void Print(ParseResult parseResult, JsonObject answer, string text) =>
        parseResult.InvocationConfiguration.Output.WriteLine(parseResult.GetValue(GlobalOptions.Json) ? JsonOutput.Line(answer) : text);
}
