using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Merkle;

namespace Anchor.Cli;

/// <summary><c>anchor merkle root FILE...</c>: the RFC 9162 root over the files' bytes as leaf data, in the order given.</summary>
public static class MerkleCommand
{
    public static Command Build()
    {
        var files = new Argument<string[]>("FILE") { Description = "Files whose bytes are the leaves, in order.", Arity = ArgumentArity.OneOrMore };
        var root = new Command("root", "Print the RFC 9162 Merkle root (hex) over the files' bytes taken as leaf data.") { files };
        root.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var paths = parseResult.GetValue(files)!;
            var range = new CompactRange();
            foreach (var path in paths)
            {
                byte[] data;
                try { data = File.ReadAllBytes(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}");
                }
                range.Append(TreeHasher.HashLeaf(data));
            }
            var hex = Hex.Encode(range.Root());
            if (parseResult.GetValue(GlobalOptions.Json))
                output.WriteLine(new JsonObject { ["root"] = hex, ["size"] = range.Size.ToString(System.Globalization.CultureInfo.InvariantCulture) }.ToJsonString());
            else output.WriteLine(hex);
            return 0;
        });
        return new Command("merkle", "Merkle tree tools.") { root };
    }
}
