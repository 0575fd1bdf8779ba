using System.CommandLine;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>The roots a verifying verb trusts: <c>--trust FILE</c>, or <c>--log-key VKEY</c> as a one-key trust file.</summary>
public static class TrustOptions
{
    public static Option<string?> CreateTrust() => new("--trust")
    {
        Description = "The trust file (anchor-trust/v1) you chose: log keys, registries and operators, CA roots. Never take it from the bundle.",
    };

    public static Option<string?> CreateLogKey() => new("--log-key")
    {
        Description = "Shortcut for a trust file with one log key (the vkey the operator publishes); anchors then fail as untrusted registries.",
    };

    public static Option<bool> CreateAllowUntrusted() => new("--allow-untrusted")
    {
        Description = "Explore a bundle with its own log key and registry. The verdict says UNTRUSTED and the exit code is 3.",
    };

    /// <summary>The trust file named by the options, null when neither is given; false (with an error printed) when it cannot be used.</summary>
    public static bool TryRead(ParseResult parseResult, Option<string?> trust, Option<string?> logKey, out TrustFile? trustFile, out int exitCode)
    {
        trustFile = null;
        exitCode = 0;
        var path = parseResult.GetValue(trust);
        var key = parseResult.GetValue(logKey);
        if (path is not null && key is not null)
        {
            exitCode = CliErrors.Fail(parseResult, "give --trust or --log-key, not both");
            return false;
        }
        try
        {
            if (key is not null) trustFile = TrustFile.ForLogKey(key);
            else if (path is not null)
            {
                if (!CliErrors.TryRead(parseResult, path, out var text, out exitCode)) return false;
                trustFile = TrustFile.FromJson(Jcs.ParseStrict(text));
            }
            return true;
        }
        catch (AnchorException e)
        {
            exitCode = CliErrors.Fail(parseResult, $"{(key is not null ? "--log-key" : path)}: {e.Message}", "trust_malformed");
            return false;
        }
    }
}
