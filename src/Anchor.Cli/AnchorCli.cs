using System.CommandLine;

namespace Anchor.Cli;

/// <summary>The `anchor` command tree, built once here for the executable and for tests.</summary>
public static class AnchorCli
{
    public static RootCommand Root()
    {
        var root = new RootCommand("anchor: tools for the Anchor evidence ledger (offline proofs, keys, chain, node).");
        root.Options.Add(GlobalOptions.Json);
        foreach (var command in CommandSet.All()) root.Subcommands.Add(command);
        return root;
    }
}
