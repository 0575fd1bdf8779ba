using System.CommandLine;
using System.CommandLine.Help;

namespace Anchor.Cli;

/// <summary>The `anchor` command tree, built once here for the executable and for tests.</summary>
public static class AnchorCli
{
    public static RootCommand Root()
    {
        var root = new RootCommand("anchor: tools for the Anchor evidence ledger (offline proofs, keys, chain, node).");
        root.Options.Add(GlobalOptions.Json);
        foreach (var command in CommandSet.All()) root.Subcommands.Add(command);
        // `anchor` alone asks what there is: the help, and success (System.CommandLine's default is "Required command
        // was not provided" and exit 1).
        root.SetAction(parseResult => new HelpAction().Invoke(parseResult));
        root.Subcommands.Add(Help(root));
        return root;
    }

    /// <summary><c>anchor help [VERB…]</c>: the same help as <c>anchor [VERB…] --help</c>, exit 0.</summary>
    private static Command Help(RootCommand root)
    {
        var verbs = new Argument<string[]>("VERB") { Description = "The verb to explain, e.g. `submit` or `chain deploy`.", Arity = ArgumentArity.ZeroOrMore };
        var help = new Command("help", "Show this help, or a verb's.") { verbs };
        help.SetAction(parseResult => root.Parse([.. parseResult.GetValue(verbs) ?? [], "--help"]).Invoke(parseResult.InvocationConfiguration));
        return help;
    }
}
