using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor proof --node URL (--index N | --hash HEX | --file F | --contract C --provider P) [--token T] [-o DIR]</c>:
/// fetches proof bundles (every page of a lookup) and writes one file per entry. Entries are private by default: the
/// token is the provider's read token (its own entries) or the admin token. <c>anchor proof --upgrade BUNDLE --trust FILE
/// [--rpc CHAINID=URL]</c> replaces a bundle file by the sealed version of the same entry once it verifies.
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
        var upgrade = new Option<string?>("--upgrade")
        {
            Description = "A bundle file to bring up to date: the node's current bundle of the same entry replaces it, only if it carries more anchors or " +
                          "time-stamps and verifies against --trust (as `ots upgrade` does); the file is rewritten atomically or left as it was.",
            HelpName = "BUNDLE",
        };
        var trust = TrustOptions.CreateTrust();
        var logKey = TrustOptions.CreateLogKey();
        var rpc = RpcOption.Create();
        var command = new Command("proof", "Fetch proof bundles from a node and write one file per entry, or upgrade a bundle file to its sealed version.")
        {
            node, index, hash, file, hashAlg, contract, provider, token, outDir, upgrade, trust, logKey, rpc,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            var ways = new object?[] { parseResult.GetValue(index), parseResult.GetValue(hash), parseResult.GetValue(file), parseResult.GetValue(contract), parseResult.GetValue(upgrade) }
                .Count(v => v is not null);
            if (ways != 1) return CliErrors.Fail(parseResult, "give exactly one of --index, --hash, --file, --contract and --upgrade");
            var bearer = NodeOptions.ReadTokenValue(parseResult, token);
            if (parseResult.GetValue(upgrade) is { } bundlePath)
            {
                if (!BundleFile.TryRead(parseResult, bundlePath, out var current, out var exit)) return exit;
                if (!TrustOptions.TryRead(parseResult, trust, logKey, out var trustFile, out exit)) return CliErrors.Usage(exit);
                if (trustFile is null) return CliErrors.Usage(CliErrors.Fail(parseResult, "--upgrade rewrites a bundle only after verifying it: give --trust (or --log-key)"));
                if (!RpcOption.TryParse(parseResult, rpc, out var chains, out exit)) return CliErrors.Usage(exit);
                try
                {
                    using var client = new NodeClient(parseResult.GetValue(node)!, bearer);
                    return await UpgradeAsync(parseResult, client, bundlePath, current, new VerifyOptions { Trust = trustFile, Chains = chains }, ct);
                }
                catch (NodeProblemException e)
                {
                    return CliErrors.Fail(parseResult, e.Message, e.Code);
                }
            }
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
                    await JsonOutput.WriteFileAsync(target, bundle, ct);
                    written.Add(target);
                    if (!parseResult.GetValue(GlobalOptions.Json))
                        parseResult.InvocationConfiguration.Output.WriteLine($"{target}: leaf {bundle["leafIndex"]}, tree size {bundle["treeSize"]}, {(bundle["anchors"] as JsonArray)?.Count ?? 0} anchor(s)");
                }
                if (parseResult.GetValue(GlobalOptions.Json))
                    parseResult.InvocationConfiguration.Output.WriteLine(JsonOutput.Line(new JsonObject { ["files"] = written }));
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

    /// <summary>
    /// Fetches the node's bundle of the entry <paramref name="current"/> proves and writes it over the file when it is the same
    /// entry (leaf index and leaf hash), carries more anchors or time-stamps, and <see cref="BundleVerifier"/> calls it
    /// valid against the trust file. Otherwise the file is left as it was: 0 when there is nothing newer yet, 1 when the
    /// node's bundle fails.
    /// </summary>
    private static async Task<int> UpgradeAsync(ParseResult parseResult, NodeClient client, string path, ProofBundle current, VerifyOptions verify, CancellationToken ct)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var json = parseResult.GetValue(GlobalOptions.Json);
        var answer = await client.GetAsync($"v1/proofs/{Uri.EscapeDataString(current.LeafIndex)}", ct);
        ProofBundle fetched;
        try { fetched = ProofBundle.FromJson(answer); }
        catch (AnchorException e) { return CliErrors.Fail(parseResult, $"the node's bundle of leaf {current.LeafIndex} is malformed: {e.Message}; {path} is unchanged", "bundle_malformed"); }
        if (fetched.LeafIndex != current.LeafIndex || fetched.LeafHash != current.LeafHash)
            return CliErrors.Fail(parseResult, $"the node's leaf {current.LeafIndex} has leaf hash {fetched.LeafHash}, the bundle's is {current.LeafHash}: not the same entry (another log?); {path} is unchanged",
                "entry_mismatch");
        var before = (current.Anchors.Count, current.Timestamps.Count);
        var after = (fetched.Anchors.Count, fetched.Timestamps.Count);
        if (after.Item1 <= before.Item1 && after.Item2 <= before.Item2)
        {
            var status = before == (0, 0) ? "not sealed yet (no anchor, no time-stamp): try again later" : "already up to date";
            output.WriteLine(json ? JsonOutput.Line(new JsonObject { ["upgraded"] = false, ["file"] = path, ["status"] = status }) : $"{path}: {status}; unchanged");
            return 0;
        }
        var report = await BundleVerifier.VerifyAsync(fetched, verify, ct);
        if (report.Outcome != VerificationOutcome.Valid)
        {
            VerifyCommand.Print(parseResult, report);
            return CliErrors.Fail(parseResult, $"the node's sealed bundle of leaf {current.LeafIndex} does not verify ({report.Verdict}); {path} is unchanged", "bundle_invalid");
        }
        await JsonOutput.WriteFileAsync(path, answer, ct);
        var text = $"{path}: upgraded to tree size {fetched.TreeSize} with {after.Item1} anchor(s) and {after.Item2} time-stamp(s) (had {before.Item1} and {before.Item2}); verdict: {report.Verdict}";
        output.WriteLine(json ? JsonOutput.Line(new JsonObject
        {
            ["upgraded"] = true, ["file"] = path, ["treeSize"] = fetched.TreeSize, ["verdict"] = report.Verdict,
        }) : text);
        return 0;
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
