using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor proof --node URL (--index N | --hash HEX | --file F | --contract C --provider P) [--token T] [-o DIR]</c>:
/// fetches proof bundles (every page of a lookup) and writes one file per entry. Entries are private by default: the
/// token is the provider's read token (its own entries) or the admin token.
/// </summary>
public static class ProofCommand
{
    public static Command Build()
    {
        var node = NodeOptions.Node();
        var index = new Option<ulong?>("--index") { Description = "The leaf index." };
        var hash = new Option<string?>("--hash") { Description = "The evidence hash (hex): every entry that registered it." };
        var file = new Option<string?>("--file") { Description = "A document: its digest under --hash-alg is looked up." };
        var hashAlg = new Option<string>("--hash-alg") { Description = "Digest of --file: sha256, sm3, sha3-256 or keccak256.", DefaultValueFactory = _ => "sha256" };
        hashAlg.AcceptOnlyFromAmong([.. Evidence.HashSizes.Keys]);
        var contract = new Option<string?>("--contract") { Description = "Every entry of this contract (needs --provider)." };
        var provider = new Option<string?>("--provider") { Description = "The provider whose contract entries are fetched." };
        var token = NodeOptions.ReadToken();
        var outDir = new Option<string>("--out", "-o") { Description = "Folder for the bundle files.", DefaultValueFactory = _ => "." };
        var command = new Command("proof", "Fetch proof bundles from a node and write one file per entry.") { node, index, hash, file, hashAlg, contract, provider, token, outDir };
        command.SetAction(async (parseResult, ct) =>
        {
            var ways = new object?[] { parseResult.GetValue(index), parseResult.GetValue(hash), parseResult.GetValue(file), parseResult.GetValue(contract) }.Count(v => v is not null);
            if (ways != 1) return CliErrors.Fail(parseResult, "give exactly one of --index, --hash, --file and --contract");
            var bearer = NodeOptions.ReadTokenValue(parseResult, token);
            string path;
            if (parseResult.GetValue(index) is { } i) path = $"v1/proofs/{i}";
            else if (parseResult.GetValue(contract) is { } c)
            {
                if (parseResult.GetValue(provider) is not { } p) return CliErrors.Fail(parseResult, "--contract needs --provider");
                path = $"v1/contracts/{Uri.EscapeDataString(c)}/proofs?provider={Uri.EscapeDataString(p)}";
            }
            else
            {
                var digest = parseResult.GetValue(hash);
                if (parseResult.GetValue(file) is { } f)
                {
                    try { using var stream = File.OpenRead(f); digest = Hex.Encode(EvidenceDigest.Compute(parseResult.GetValue(hashAlg)!, stream)); }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return CliErrors.Fail(parseResult, $"cannot read {f}: {e.Message}"); }
                }
                path = $"v1/proofs?hash={Uri.EscapeDataString(digest!)}";
            }

            try
            {
                using var client = new NodeClient(parseResult.GetValue(node)!, bearer);
                var bundles = await FetchAllAsync(client, path, ct);
                var dir = parseResult.GetValue(outDir)!;
                Directory.CreateDirectory(dir);
                var written = new JsonArray();
                foreach (var bundle in bundles)
                {
                    var target = Path.Combine(dir, $"bundle-{bundle["leafIndex"]}.json");
                    await File.WriteAllTextAsync(target, bundle.ToJsonString(), ct);
                    written.Add(target);
                    if (!parseResult.GetValue(GlobalOptions.Json))
                        parseResult.InvocationConfiguration.Output.WriteLine($"{target}: leaf {bundle["leafIndex"]}, tree size {bundle["treeSize"]}, {(bundle["anchors"] as JsonArray)?.Count ?? 0} anchor(s)");
                }
                if (parseResult.GetValue(GlobalOptions.Json))
                    parseResult.InvocationConfiguration.Output.WriteLine(new JsonObject { ["files"] = written }.ToJsonString());
                else if (bundles.Count == 0) parseResult.InvocationConfiguration.Output.WriteLine("no entries found");
                return 0;
            }
            catch (NodeProblemException e)
            {
                return CliErrors.Fail(parseResult, e.Message, e.Code);
            }
        });
        return command;
    }

    /// <summary>One bundle, or every page of a lookup: each answer's <c>next</c> is passed back as <c>cursor</c> until there is none.</summary>
    private static async Task<List<JsonObject>> FetchAllAsync(NodeClient client, string path, CancellationToken ct)
    {
        var answer = await client.GetAsync(path, ct);
        if (answer["bundles"] is not JsonArray) return [answer];
        var bundles = new List<JsonObject>();
        while (true)
        {
            bundles.AddRange(answer["bundles"]!.AsArray().OfType<JsonObject>().Select(b => b.DeepClone().AsObject()));
            if (answer["next"]?.GetValue<string>() is not { } next) return bundles;
            answer = await client.GetAsync($"{path}&cursor={Uri.EscapeDataString(next)}", ct);
        }
    }
}
