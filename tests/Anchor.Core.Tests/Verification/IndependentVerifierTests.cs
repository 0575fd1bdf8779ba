using Anchor.Core.Records;
using System.Diagnostics;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Timestamping;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// Bundles are checked by a second implementation written from the specs in JavaScript
/// (tests/independent/verify-bundle.mjs), which shares no code with Anchor.Core.
/// </summary>
public sealed class IndependentVerifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-indep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task NodeJsVerifierAcceptsOurBundlesAndRejectsATamperedOne()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var indices = new List<ulong>();
        for (var i = 0; i < 23; i++)
            indices.Add(log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence(i % 2 == 0 ? "合同-2026-001" : "c\n\"q\"\t", [(byte)i])));
        log.AddBatch(key, "acme", "k1", [InMemoryLog.NewEvidence("b", [1]), InMemoryLog.NewEvidence("b", [2])]);
        var vkey = log.LogKey.VerifierKey.ToString();

        foreach (var index in new[] { indices[0], indices[7], indices[16], indices[22] })
        {
            var path = Path.Combine(_dir, $"bundle-{index}.json");
            File.WriteAllText(path, log.Bundle(index, key.Descriptor).ToJson().ToJsonString());
            var (exit, output) = await RunNode(path, vkey);
            Assert.True(exit == 0, output);
            Assert.Contains("ed25519 provider signature", output);
            Assert.Contains("key registration entry", output);
        }

        var tampered = log.Bundle(indices[7], key.Descriptor);
        tampered = tampered with { Entry = tampered.Entry with { ReceivedAt = "2026-11-26T11:00:02.000Z" } };
        var tamperedPath = Path.Combine(_dir, "tampered.json");
        File.WriteAllText(tamperedPath, tampered.ToJson().ToJsonString());
        Assert.Equal(1, (await RunNode(tamperedPath, vkey)).Exit);

        // A key entry the log does not hold (another key registered for acme) fails the independent check too.
        using var other = SigningKey.Generate(SignatureAlg.Ed25519);
        var genuine = log.Bundle(indices[7], key.Descriptor);
        var forgedKey = genuine with
        {
            KeyEntry = genuine.KeyEntry with
            {
                Entry = genuine.KeyEntry.Entry with
                {
                    Key = other.Descriptor,
                    Pop = Convert.ToBase64String(other.Sign(Statements.KeyRegistration("acme", "k1", other.Descriptor))),
                },
            },
        };
        var forgedPath = Path.Combine(_dir, "forged-key.json");
        File.WriteAllText(forgedPath, forgedKey.ToJson().ToJsonString());
        var (forgedExit, forgedOutput) = await RunNode(forgedPath, vkey);
        Assert.True(forgedExit == 1, forgedOutput);
        Assert.Contains("FAIL key registration entry", forgedOutput);
    }

    /// <summary>
    /// The script checks every TSA token with OpenSSL: real `openssl ts -reply` tokens (SHA-256 and SM3 imprints) pass
    /// `openssl ts -verify` against their root; an SM2-signed token's imprint is checked and its signature reported as
    /// not checkable by OpenSSL 3.0; another root, a token over another checkpoint and a node clock ahead of the TSA fail.
    /// </summary>
    [Fact]
    public async Task NodeJsVerifierChecksTimeStampsWithOpenSsl()
    {
        await using var tsa = await DevTsa.StartAsync(TestData.RepoRoot);
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-1", [1]));
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-2", [2]));
        var bundle = log.Bundle(index, key.Descriptor);
        var dev = (Func<byte[], byte[]>)(q => tsa.ReplyAsync(q).GetAwaiter().GetResult());
        var sm2 = TestTsa.Sm2();
        var stamped = bundle with
        {
            Timestamps =
            [
                TimestampVerificationTests.Stamp(bundle.Checkpoint, dev, TsaHashAlg.Sha256, "dev"),
                TimestampVerificationTests.Stamp(bundle.Checkpoint, dev, TsaHashAlg.Sm3, "dev-sm3"),
                TimestampVerificationTests.Stamp(bundle.Checkpoint, sm2.Reply, TsaHashAlg.Sm3, "cn"),
            ],
        };
        var vkey = log.LogKey.VerifierKey.ToString();
        var path = Path.Combine(_dir, "stamped.json");
        File.WriteAllText(path, stamped.ToJson().ToJsonString());
        var (exit, output) = await RunNode(path, vkey, "--tsa-root", tsa.RootFile);
        Assert.True(exit == 0, output);
        Assert.Contains("ok   tsa dev openssl ts -verify", output);
        Assert.Contains("ok   tsa dev-sm3 openssl ts -verify", output);
        Assert.Contains("ok   tsa cn imprint", output);
        Assert.Contains("skip tsa cn signature: OpenSSL 3.0 cannot verify SM2 signatures", output);
        Assert.Contains("ok   tsa dev receivedAt", output);

        var otherRoot = Path.Combine(_dir, "other-root.pem");
        File.WriteAllText(otherRoot, TestTsa.Ecdsa().RootPem);
        Assert.Equal(1, (await RunNode(path, vkey, "--tsa-root", otherRoot)).Exit);

        // A token of another tree of the same log: the imprint is not this checkpoint's.
        log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-3", [3]));
        var later = log.Bundle(index, key.Descriptor);
        File.WriteAllText(path, (bundle with { Timestamps = [TimestampVerificationTests.Stamp(later.Checkpoint, dev, TsaHashAlg.Sha256, "dev")] }).ToJson().ToJsonString());
        (exit, output) = await RunNode(path, vkey, "--tsa-root", tsa.RootFile);
        Assert.Equal(1, exit);
        Assert.Contains("FAIL tsa dev imprint", output);

        // A TSA an hour behind the node: the node's clock runs ahead.
        var behind = TestTsa.Ecdsa();
        behind.Clock = () => DateTime.UtcNow.AddHours(-1);
        var behindRoot = Path.Combine(_dir, "behind-root.pem");
        File.WriteAllText(behindRoot, behind.RootPem);
        File.WriteAllText(path, (bundle with { Timestamps = [TimestampVerificationTests.Stamp(bundle.Checkpoint, behind.Reply, TsaHashAlg.Sha256, "behind")] }).ToJson().ToJsonString());
        (exit, output) = await RunNode(path, vkey, "--tsa-root", behindRoot);
        Assert.Equal(1, exit);
        Assert.Contains("ok   tsa behind openssl ts -verify", output);
        Assert.Contains("FAIL tsa behind receivedAt", output);
    }

    /// <summary>
    /// A member bundle sealed through the root log: the script folds the checkpoint body into the root log, checks the
    /// root checkpoint with the root key it is given, and the anchor and the token against the root tree (the token
    /// with `openssl ts -verify`). Another size's step, a root checkpoint under another key, an anchor of the member
    /// tree and a token over the member checkpoint each fail.
    /// </summary>
    [Fact]
    public async Task NodeJsVerifierFollowsTheRootStep()
    {
        using var c = new RootStepVerificationTests.Cluster();
        var vkey = c.Member.LogKey.VerifierKey.ToString();
        var rootKey = c.Root.LogKey.VerifierKey.ToString();
        var tsaRoot = Path.Combine(_dir, "tsa-root.pem");
        File.WriteAllText(tsaRoot, c.Tsa.RootPem);
        var path = Path.Combine(_dir, "sealed.json");
        async Task<(int Exit, string Output)> Check(ProofBundle bundle)
        {
            File.WriteAllText(path, bundle.ToJson().ToJsonString());
            return await RunNode(path, vkey, "--tsa-root", tsaRoot, "--root-key", rootKey);
        }

        var (exit, output) = await Check(c.Bundle);
        Assert.True(exit == 0, output);
        Assert.Contains("ok   root inclusion: checkpoint body leaf ", output);
        Assert.Contains($"ok   root checkpoint signature by {rootKey}", output);
        Assert.Contains("ok   anchor on chain 31337 names the sealed tree (root checkpoint, size 4)", output);
        Assert.Contains("(root checkpoint body)", output);
        Assert.Contains("ok   tsa dev openssl ts -verify", output);

        (exit, output) = await Check(c.Bundle with { Root = c.Root.Step(c.EarlierLeaf) });
        Assert.Equal(1, exit);
        Assert.Contains("FAIL root checkpoint names size 4", output);

        using var forged = new RootLog();
        forged.Append(c.EarlierCheckpoint);
        (exit, output) = await Check(c.Bundle with { Root = forged.Step(forged.Append(c.Bundle.Checkpoint)) });
        Assert.Equal(1, exit);
        Assert.Contains("FAIL root checkpoint", output);

        var memberTree = c.Bundle.Anchors[0] with { TreeSize = c.Bundle.TreeSize, Root = "0x" + Hex.Encode(c.Member.Root()) };
        (exit, output) = await Check(c.Bundle with { Anchors = [memberTree] });
        Assert.Equal(1, exit);
        Assert.Contains("FAIL anchor on chain 31337 names the sealed tree", output);

        (exit, output) = await Check(c.Bundle with { Timestamps = [TimestampVerificationTests.Stamp(c.Bundle.Checkpoint, c.Tsa.Reply, TsaHashAlg.Sha256, "dev")] });
        Assert.Equal(1, exit);
        Assert.Contains("FAIL tsa dev imprint", output);
    }

    /// <summary>
    /// Receipts, cross-checked by the Node.js verifier's own range fold (written from the definition, sharing nothing with
    /// RangeProof): every (first, count) of a 41-leaf log as batch receipts, one single receipt with its entry, and a
    /// flipped hash in each.
    /// </summary>
    [Fact]
    public async Task NodeJsVerifierAcceptsOurReceiptsAndRejectsTamperedOnes()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        log.AddBatch(key, "acme", "k1", [.. Enumerable.Range(0, 40).Select(i => InMemoryLog.NewEvidence($"c-{i}", [(byte)i]))]);
        var vkey = log.LogKey.VerifierKey.ToString();
        var receipts = new System.Text.Json.Nodes.JsonArray();
        for (var first = 0UL; first < log.Size; first++)
            for (var count = 1UL; first + count <= log.Size; count++)
                receipts.Add(ToNode(w => log.BatchReceipt(first, count).WriteTo(w)));
        var path = Path.Combine(_dir, "receipts.json");
        File.WriteAllText(path, new System.Text.Json.Nodes.JsonObject { ["receipts"] = receipts }.ToJsonString());
        var (exit, output) = await RunNode(path, vkey);
        Assert.True(exit == 0, output);
        Assert.Equal(3 * receipts.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));

        var single = new System.Text.Json.Nodes.JsonObject
        {
            ["entry"] = System.Text.Json.Nodes.JsonNode.Parse(log.Entry(7).LeafData()),
            ["receipt"] = ToNode(w => log.Receipt(7).WriteTo(w)),
        };
        File.WriteAllText(path, single.ToJsonString());
        (exit, output) = await RunNode(path, vkey);
        Assert.True(exit == 0, output);
        Assert.Contains("ok   entry's leaf hash", output);

        // A flipped hash in a range, in an inclusion proof, and an entry that is not the receipt's: each fails.
        var tampered = receipts[100]!.DeepClone();
        var leftOrRight = tampered["range"]!["left"]!.AsArray().Count > 0 ? "left" : "right";
        tampered["range"]![leftOrRight]![0] = Flip(tampered["range"]![leftOrRight]![0]!.GetValue<string>());
        File.WriteAllText(path, new System.Text.Json.Nodes.JsonObject { ["receipts"] = new System.Text.Json.Nodes.JsonArray(tampered) }.ToJsonString());
        Assert.Equal(1, (await RunNode(path, vkey)).Exit);
        single["receipt"]!["inclusion"]![0] = Flip(single["receipt"]!["inclusion"]![0]!.GetValue<string>());
        File.WriteAllText(path, single.ToJsonString());
        Assert.Equal(1, (await RunNode(path, vkey)).Exit);
        single["receipt"] = ToNode(w => log.Receipt(7).WriteTo(w));
        single["entry"] = System.Text.Json.Nodes.JsonNode.Parse(log.Entry(8).LeafData());
        File.WriteAllText(path, single.ToJsonString());
        Assert.Equal(1, (await RunNode(path, vkey)).Exit);

        static string Flip(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];
        static System.Text.Json.Nodes.JsonNode ToNode(Action<System.Text.Json.Utf8JsonWriter> write)
        {
            using var stream = new MemoryStream();
            using (var writer = new System.Text.Json.Utf8JsonWriter(stream)) write(writer);
            return System.Text.Json.Nodes.JsonNode.Parse(stream.ToArray())!;
        }
    }

    private static async Task<(int Exit, string Output)> RunNode(string bundle, string vkey, params string[] extra)
    {
        var script = Path.Combine(TestData.RepoRoot, "tests", "independent", "verify-bundle.mjs");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, bundle, vkey }.Concat(extra)) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node (Node.js is needed for this test)");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
