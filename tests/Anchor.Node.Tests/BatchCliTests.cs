using System.Text.Json.Nodes;
using Anchor.Cli;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>`anchor submit --batch` against a real node: folders and manifests, signed batches, progress, one bundle per record.</summary>
[Collection(NodeCollection.Name)]
public sealed class BatchCliTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-batch-").FullName;

    [Fact]
    public async Task A_folder_and_a_manifest_are_submitted_as_signed_batches_with_a_bundle_per_record()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "batchcli.test/log", _state));
        using var provider = new TestProvider("bulk");
        string[] signer = [.. await SignerAsync(node, provider), "--token", node.AdminToken];
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        // A folder of five documents, in batches of two: three batch signatures, a bundle per record.
        var docs = Directory.CreateDirectory(Path.Combine(_dir, "docs")).FullName;
        string[] names = ["a.pdf", "b.pdf", "c.pdf", "d.pdf", "合同.pdf"];
        foreach (var name in names) await File.WriteAllTextAsync(Path.Combine(docs, name), "document " + name);
        var outDir = Path.Combine(_dir, "out");
        var (exit, output, error) = await CliRunner.Run(["submit", .. signer, "--batch", docs, "--batch-size", "2", "--kind", "contract.document", "--wait", "checkpoint", "-o", outDir]);
        Assert.True(exit == 0, output + error);
        Assert.Contains("accepted: 5 record(s) in 3 signed batch(es)", output, StringComparison.Ordinal);
        // Not a terminal: plain progress lines, no carriage returns.
        Assert.Contains("2/5 records submitted", error, StringComparison.Ordinal);
        Assert.Contains("5/5 records submitted", error, StringComparison.Ordinal);
        Assert.Contains("5/5 bundles written", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', error);

        var rows = (await File.ReadAllLinesAsync(Path.Combine(outDir, "records.csv"))).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(names, rows.Select(r => Path.GetFileName(r[0])));
        var sizes = new List<string>();
        foreach (var row in rows)
        {
            var text = await File.ReadAllTextAsync(row[4]);
            var bundle = JsonNode.Parse(text)!;
            await Bundles.VerifyAsync(bundle, logKey);
            Assert.Equal(row[2], bundle["leafIndex"]!.GetValue<string>());
            Assert.Equal(Path.GetFileName(row[0]), bundle["entry"]!["evidence"]!["contractId"]!.GetValue<string>()); // a file's name is its contract ID
            sizes.Add(bundle["entry"]!["batch"]!["size"]!.GetValue<string>());
            // The document checks against its bundle with the CLI (the bundle file as the CLI wrote it: indented UTF-8).
            var (verified, report, _) = await CliRunner.Run("verify", row[4], "--file", row[0], "--log-key", logKey);
            Assert.True(verified == 0, report);
        }
        Assert.Equal(["2", "2", "2", "2", "1"], sizes);
        Assert.Contains("合同.pdf", await File.ReadAllTextAsync(rows[4][4]), StringComparison.Ordinal);

        // A manifest of hashes, quoted fields, one kind for all from --kind; without --wait only records.csv is written.
        var manifest = Path.Combine(_dir, "manifest.csv");
        var hash = new string('a', 64);
        await File.WriteAllTextAsync(manifest, $"hash,contractId\n{hash},\"c-1, part \"\"A\"\"\"\n{new string('b', 64)},c-2\n");
        var manifestOut = Path.Combine(_dir, "manifest-out");
        (exit, output, error) = await CliRunner.Run(["submit", .. signer, "--batch", manifest, "--kind", "audit.log", "-o", manifestOut, "--json"]);
        Assert.True(exit == 0, output + error);
        var records = JsonNode.Parse(output)!["records"]!.AsArray();
        Assert.Equal(["c-1, part \"A\"", "c-2"], records.Select(r => r!["contractId"]!.GetValue<string>()));
        var first = (await node.GetAsync($"/v1/proofs/{records[0]!["leafIndex"]}", node.AdminToken)).Body;
        Assert.Equal(hash, first["entry"]!["evidence"]!["hash"]!.GetValue<string>());
        Assert.Equal("audit.log", first["entry"]!["evidence"]!["kind"]!.GetValue<string>());
        Assert.Equal(3, (await File.ReadAllLinesAsync(Path.Combine(manifestOut, "records.csv"))).Length);
    }

    [Fact]
    public async Task A_bad_manifest_is_refused_before_anything_is_sent()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "batchcli-bad.test/log", _state));
        using var provider = new TestProvider("bulk-bad");
        var signer = await SignerAsync(node, provider);
        var checkpoint = await node.Http.GetStringAsync("/checkpoint");

        // (manifest, the error it must name): the second record's bad hash stops the whole run, the first record included.
        (string Text, string Error)[] cases =
        [
            ("contractId,kind\nc-1,other\n", "name exactly one of the columns 'file' and 'hash'"),
            ($"hash,contractId,kind\n{new string('a', 64)},c-1,other\nXYZ,c-2,other\n", "line 3: "),
            ($"hash,contractId,kind\n{new string('a', 64)},c-1\n", "line 2: 2 fields, the header names 3"),
            ($"hash,contractId,kind\n{new string('a', 64)},c-1,no.such.kind\n", "line 2: "),
            ("file,contractId,kind\nmissing.pdf,c-1,other\n", "missing.pdf"),
        ];
        foreach (var (text, want) in cases)
        {
            var manifest = Path.Combine(_dir, "bad.csv");
            await File.WriteAllTextAsync(manifest, text);
            var (exit, output, error) = await CliRunner.Run(["submit", .. signer, "--batch", manifest]);
            Assert.True(exit == 1, output + error);
            Assert.Contains(want, error, StringComparison.Ordinal);
        }
        var (both, _, bothError) = await CliRunner.Run(["submit", .. signer, "--batch", _dir, "--hash", new string('a', 64), "--kind", "other"]);
        Assert.Equal(1, both);
        Assert.Contains("leave out --file and --hash", bothError, StringComparison.Ordinal);
        Assert.Equal(checkpoint, await node.Http.GetStringAsync("/checkpoint"));
    }

    /// <summary>Registers the provider, writes its key file, and gives the options that sign as it on this node.</summary>
    private async Task<string[]> SignerAsync(TestNode node, TestProvider provider)
    {
        await provider.RegisterAsync(node);
        var keyFile = Path.Combine(_dir, provider.Id + ".key");
        KeyFile.Save(keyFile, provider.Key, overwrite: false);
        return ["--node", node.Http.BaseAddress!.ToString(), "--provider", provider.Id, "--key", keyFile, "--key-id", provider.KeyId];
    }

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_dir, recursive: true);
    }
}
