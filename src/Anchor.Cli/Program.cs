using System.CommandLine;
using Anchor.Cli;

var root = new RootCommand("anchor: tools for the Anchor evidence ledger (offline proofs, keys, chain, node).");
root.Options.Add(GlobalOptions.Json);
foreach (var command in CommandSet.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
