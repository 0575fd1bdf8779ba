using System.CommandLine;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>How every verb reports a failure: one line on stderr (or a JSON object with --json) and exit code 1.</summary>
public static class CliErrors
{
    public static int Fail(ParseResult parseResult, string message, string code = "error")
    {
        if (parseResult.GetValue(GlobalOptions.Json))
            parseResult.InvocationConfiguration.Output.WriteLine(new JsonObject { ["ok"] = false, ["code"] = code, ["error"] = message }.ToJsonString());
        else parseResult.InvocationConfiguration.Error.WriteLine($"error: {message}");
        return 1;
    }

    /// <summary>Exit code 2 for a usage error (what <c>anchor verify</c> documents), from the 1 that <see cref="Fail"/> returns.</summary>
    public static int Usage(int exitCode) => exitCode == 0 ? 0 : 2;

    /// <summary>Reads a file the user named, turning I/O failures into one clear line.</summary>
    public static bool TryRead(ParseResult parseResult, string path, out string text, out int exitCode)
    {
        try
        {
            text = File.ReadAllText(path);
            exitCode = 0;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
            exitCode = Fail(parseResult, e is FileNotFoundException ? $"{path} does not exist" : $"cannot read {path}: {e.Message}");
            return false;
        }
    }
}
