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

    public static Option<string?> ReadToken() => new("--token")
    {
        Description = "A provider's read token, or the admin token, for nodes whose entries are private (default: $ANCHOR_PROVIDER_TOKEN, else the admin token of $ANCHOR_ADMIN_TOKEN or $ANCHOR_ADMIN_TOKEN_FILE).",
    };

    /// <summary>
    /// The bearer for proof reads: --token, $ANCHOR_PROVIDER_TOKEN, or the admin token from the environment; null when
    /// none is set (a node with public entries needs none, a private one answers 401 unauthorized).
    /// </summary>
    public static string? ReadTokenValue(ParseResult parseResult, Option<string?> tokenOption)
    {
        if (parseResult.GetValue(tokenOption) is { Length: > 0 } token) return token;
        if (Environment.GetEnvironmentVariable("ANCHOR_PROVIDER_TOKEN") is { Length: > 0 } provider) return provider;
        if (Environment.GetEnvironmentVariable("ANCHOR_ADMIN_TOKEN") is { Length: > 0 } admin) return admin;
        if (Environment.GetEnvironmentVariable("ANCHOR_ADMIN_TOKEN_FILE") is { Length: > 0 } file && File.Exists(file)) return File.ReadAllText(file).Trim();
        return null;
    }
}
