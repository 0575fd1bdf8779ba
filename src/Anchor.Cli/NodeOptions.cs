using System.CommandLine;

namespace Anchor.Cli;

/// <summary>Options of the verbs that talk to a node: where it is, and the tokens that open it.</summary>
public static class NodeOptions
{
    public static Option<string> Node() => new("--node")
    {
        Description = "The node's base URL (default: $ANCHOR_NODE, else http://127.0.0.1:8080).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("ANCHOR_NODE") is { Length: > 0 } url ? url : "http://127.0.0.1:8080",
    };

    public static Option<string?> AdminTokenFile() => new("--admin-token-file")
    {
        Description = "File holding the operator's bearer token (default: $ANCHOR_ADMIN_TOKEN, else $ANCHOR_ADMIN_TOKEN_FILE).",
    };

    /// <summary>The admin token from the file option, or the environment; a clear error when there is none.</summary>
    public static bool TryAdminToken(ParseResult parseResult, Option<string?> fileOption, out string token, out int exitCode)
    {
        token = "";
        exitCode = 0;
        var file = parseResult.GetValue(fileOption) ?? Environment.GetEnvironmentVariable("ANCHOR_ADMIN_TOKEN_FILE");
        if (file is null)
        {
            if (Environment.GetEnvironmentVariable("ANCHOR_ADMIN_TOKEN") is { Length: > 0 } env) { token = env; return true; }
            exitCode = CliErrors.Fail(parseResult, "no admin token: pass --admin-token-file, or set ANCHOR_ADMIN_TOKEN or ANCHOR_ADMIN_TOKEN_FILE", "unauthorized");
            return false;
        }
        if (!CliErrors.TryRead(parseResult, file, out var text, out exitCode)) return false;
        token = text.Trim();
        return true;
    }
}
