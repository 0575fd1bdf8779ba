using System.CommandLine;

namespace Anchor.Cli;

/// <summary>Options every verb shares.</summary>
public static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print machine-readable JSON instead of text.",
        Recursive = true,
    };
}
