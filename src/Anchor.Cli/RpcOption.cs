using System.CommandLine;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary><c>--rpc CHAINID=URL</c> (repeatable), shared by the verbs that check anchors on their chains.</summary>
public static class RpcOption
{
    public static Option<string[]> Create() => new("--rpc")
    {
        Description = "CHAINID=URL: a JSON-RPC endpoint for the anchors on that chain (repeatable). Without one, anchors are not checked.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>One anchor lookup per chain ID given; reports a malformed value and gives the exit code.</summary>
    public static bool TryParse(ParseResult parseResult, Option<string[]> option, out Dictionary<string, IAnchorLookup> chains, out int exitCode)
    {
        chains = [];
        exitCode = 0;
        foreach (var spec in parseResult.GetValue(option) ?? [])
        {
            var eq = spec.IndexOf('=');
            if (eq <= 0 || !Uri.TryCreate(spec[(eq + 1)..], UriKind.Absolute, out _))
            {
                exitCode = CliErrors.Fail(parseResult, $"--rpc takes CHAINID=URL, got '{spec}'");
                return false;
            }
            chains[spec[..eq]] = new Chain.RpcAnchorLookup(spec[(eq + 1)..]);
        }
        return true;
    }
}
