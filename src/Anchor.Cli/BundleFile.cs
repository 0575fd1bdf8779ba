using System.CommandLine;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>A proof bundle file the user named, read one way by every verb (verify, info, proof --upgrade): indented or one line, escaped or not.</summary>
public static class BundleFile
{
    /// <summary>False, with the error printed and exit code 2 (usage: unreadable or malformed input), when the file is not a bundle.</summary>
    public static bool TryRead(ParseResult parseResult, string path, out ProofBundle bundle, out int exitCode)
    {
        bundle = null!;
        if (!CliErrors.TryRead(parseResult, path, out var text, out exitCode))
        {
            exitCode = CliErrors.Usage(exitCode);
            return false;
        }
        try
        {
            bundle = ProofBundle.FromJson(Jcs.ParseStrict(text));
            return true;
        }
        catch (AnchorException e)
        {
            exitCode = CliErrors.Usage(CliErrors.Fail(parseResult, $"not a valid proof bundle: {e.Message}", "bundle_malformed"));
            return false;
        }
    }
}
