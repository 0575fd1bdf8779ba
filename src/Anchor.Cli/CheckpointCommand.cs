using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;

namespace Anchor.Cli;

/// <summary><c>anchor checkpoint verify --vkey VKEY FILE</c>: exit 0 only for a valid checkpoint signed by that key.</summary>
public static class CheckpointCommand
{
    public static Command Build()
    {
        var vkey = new Option<string>("--vkey") { Description = "The log's verifier key: name+keyid+base64.", Required = true };
        var file = new Argument<string>("FILE") { Description = "The signed checkpoint (a C2SP signed note)." };
        var verify = new Command("verify", "Verify a C2SP checkpoint against a verifier key.") { vkey, file };
        verify.SetAction(parseResult =>
        {
            if (!VerifierKey.TryParse(parseResult.GetValue(vkey), out var key, out var keyError))
                return CliErrors.Fail(parseResult, $"--vkey: {keyError}", "vkey_malformed");
            if (!CliErrors.TryRead(parseResult, parseResult.GetValue(file)!, out var note, out var exit)) return exit;
            Checkpoint checkpoint;
            try { checkpoint = Checkpoint.Verify(note, key!); }
            catch (NoteError e) { return CliErrors.Fail(parseResult, e.Message, "checkpoint_invalid"); }

            var size = checkpoint.Size.ToString(CultureInfo.InvariantCulture);
            var root = Hex.Encode(checkpoint.Root);
            var output = parseResult.InvocationConfiguration.Output;
            if (parseResult.GetValue(GlobalOptions.Json))
                output.WriteLine(new JsonObject { ["ok"] = true, ["origin"] = checkpoint.Origin, ["size"] = size, ["root"] = root }.ToJsonString());
            else output.WriteLine($"ok: {checkpoint.Origin} size {size} root {root}");
            return 0;
        });
        return new Command("checkpoint", "Checkpoint tools.") { verify };
    }
}
