using System.CommandLine;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor evidence create --key FILE --provider P (--file F | --hash HEX) --contract C --kind K</c>:
/// builds evidence with a fresh nonce and the current time, signs its statement, and prints the
/// <c>POST /v1/evidence</c> body.
/// </summary>
public static class EvidenceCommand
{
    public static Command Build()
    {
        var input = new EvidenceInput();
        var create = new Command("create", "Sign one evidence record and print the submission body for POST /v1/evidence.");
        input.AddTo(create);
        create.SetAction(parseResult =>
        {
            if (!input.TryBuild(parseResult, out var submission, out var exit)) return exit;
            parseResult.InvocationConfiguration.Output.WriteLine(JsonOutput.Line(submission));
            return 0;
        });
        return new Command("evidence", "Build signed evidence submissions.") { create };
    }
}
