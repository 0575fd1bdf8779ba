using System.CommandLine;
using Anchor.Cli;

namespace Anchor.Core.Tests.Cli;

/// <summary>Runs the real `anchor` command tree in-process and captures what it prints.</summary>
public static class CliRunner
{
    public static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = await AnchorCli.Root().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    public static (int Exit, string Output, string Error) RunSync(params string[] args)
    {
        var (output, error) = (new StringWriter(), new StringWriter());
        var exit = AnchorCli.Root().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
