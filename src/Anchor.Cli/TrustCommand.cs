using System.CommandLine;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor trust export --node URL [-o FILE]</c>: writes the node's entry for a trust file (GET /v1/trust), after
/// checking that it is one. What a verifier then trusts is its own decision: compare the file with what the operator
/// publishes elsewhere before relying on it.
/// </summary>
public static class TrustCommand
{

    public static Command Build()
    {
        var node = NodeOptions.Node();
        var output = new Option<string?>("--out", "-o") { Description = "Write the trust file here (default: standard output)." };
        var export = new Command("export", "Write the node's trust-file entry (anchor-trust/v1): origin, log key, registries and operators, CA roots.")
        {
            node, output,
        };
        export.SetAction(async (parseResult, ct) =>
        {
            TrustFile trust;
            try
            {
                using var client = new NodeClient(parseResult.GetValue(node)!);
                trust = TrustFile.FromJson(Jcs.ParseStrict(await client.GetTextAsync("v1/trust", ct)));
            }
            catch (NodeProblemException e) { return CliErrors.Fail(parseResult, e.Message, e.Code); }
            catch (AnchorException e) { return CliErrors.Fail(parseResult, $"the node's /v1/trust is not a trust file: {e.Message}", "trust_malformed"); }
            var text = trust.ToJson().ToJsonString(JsonOutput.Indented) + "\n";
            if (parseResult.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, text, ct);
                parseResult.InvocationConfiguration.Output.WriteLine(parseResult.GetValue(GlobalOptions.Json)
                    ? new System.Text.Json.Nodes.JsonObject { ["file"] = path, ["fingerprint"] = trust.Fingerprint() }.ToJsonString()
                    : $"wrote {path} (trust file {trust.Fingerprint()}); compare it with what the operator publishes before you rely on it");
            }
            else parseResult.InvocationConfiguration.Output.Write(text);
            return 0;
        });
        return new Command("trust", "Trust files (anchor-trust/v1): the roots a verifier chooses.") { export };
    }
}
