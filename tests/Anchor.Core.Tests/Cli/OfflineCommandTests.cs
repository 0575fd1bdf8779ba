using System.Text.Json.Nodes;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Verification;

namespace Anchor.Core.Tests.Cli;

public sealed class OfflineCommandTests : IDisposable
{
    private const string TesseraKey = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task MerkleRootOfTesseraWordsEqualsItsCheckpointRoot()
    {
        string[] words = ["one", "two", "three", "four", "five", "six", "seven", "eit", "nain", "ten", "ileven", "twelf", "threeten", "fourten", "fivten"];
        var files = words.Select((w, i) => { var p = Path.Combine(_dir, $"{i:D2}"); File.WriteAllText(p, w); return p; }).ToArray();
        var (exit, output, _) = await CliRunner.Run(["merkle", "root", .. files]);
        Assert.Equal(0, exit);
        var checkpointRoot = File.ReadAllText(TestData.Vector("tessera-log", "checkpoint.15")).Split('\n')[2];
        Assert.Equal(Hex.Encode(Convert.FromBase64String(checkpointRoot)), output.Trim());

        var (_, json, _) = await CliRunner.Run(["merkle", "root", "--json", .. files]);
        Assert.Equal("15", JsonNode.Parse(json)!["size"]!.GetValue<string>());
    }

    [Fact]
    public async Task MerkleRootOfAMissingFileFails()
    {
        var (exit, _, error) = await CliRunner.Run("merkle", "root", Path.Combine(_dir, "nope"));
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot read", error);
    }

    [Fact]
    public async Task CheckpointVerifyAcceptsTesseraAndRejectsOthers()
    {
        var file = TestData.Vector("tessera-log", "checkpoint.7");
        var (exit, output, _) = await CliRunner.Run("checkpoint", "verify", "--vkey", TesseraKey, file);
        Assert.Equal(0, exit);
        Assert.StartsWith("ok: example.com/log/testdata size 7 root ", output);

        using var other = Core.Checkpoints.NoteSigner.Generate("example.com/log/testdata");
        var (bad, _, error) = await CliRunner.Run("checkpoint", "verify", "--vkey", other.VerifierKey.ToString(), file);
        Assert.Equal(1, bad);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var tampered = Path.Combine(_dir, "cp");
        File.WriteAllText(tampered, File.ReadAllText(file).Replace("\n7\n", "\n8\n"));
        Assert.Equal(1, (await CliRunner.Run("checkpoint", "verify", "--vkey", TesseraKey, tampered)).Exit);
        Assert.Equal(1, (await CliRunner.Run("checkpoint", "verify", "--vkey", "garbage", file)).Exit);
    }

    [Fact]
    public async Task VerifyPrintsEveryCheckAndExitsByTheVerdict()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Sm2Sm3);
        var document = "signed contract"u8.ToArray();
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-1", document));
        var bundlePath = Path.Combine(_dir, "bundle.json");
        File.WriteAllText(bundlePath, log.Bundle(index, key.Descriptor).ToJson().ToJsonString());
        var docPath = Path.Combine(_dir, "doc");
        File.WriteAllBytes(docPath, document);

        var (exit, output, _) = await CliRunner.Run("verify", bundlePath, "--file", docPath, "--log-key", log.LogKey.VerifierKey.ToString());
        Assert.Equal(0, exit);
        foreach (var name in new[] { "file digest", "provider signature", "leaf hash", "inclusion proof", "checkpoint signature", "checkpoint matches proof" })
            Assert.Contains($"✓ {name}: ", output);
        Assert.Contains("verdict: VALID", output);

        var (untrusted, untrustedOutput, _) = await CliRunner.Run("verify", bundlePath, "--file", docPath);
        Assert.Equal(3, untrusted);
        Assert.Contains("verdict: UNVERIFIED: no trusted log key (pass --trust or --log-key)", untrustedOutput);
        var (explored, exploredOutput, _) = await CliRunner.Run("verify", bundlePath, "--allow-untrusted");
        Assert.Equal(3, explored);
        Assert.Contains("verdict: UNTRUSTED", exploredOutput);

        File.WriteAllBytes(docPath, [.. document, 1]);
        var (badExit, badOutput, _) = await CliRunner.Run("verify", bundlePath, "--file", docPath, "--json", "--log-key", log.LogKey.VerifierKey.ToString());
        Assert.Equal(1, badExit);
        var report = JsonNode.Parse(badOutput)!;
        Assert.False(report["ok"]!.GetValue<bool>());
        Assert.StartsWith("INVALID", report["verdict"]!.GetValue<string>());

        File.WriteAllText(bundlePath, "{\"format\":\"anchor-proof/v1\"}");
        var (malformed, _, error) = await CliRunner.Run("verify", bundlePath);
        Assert.Equal(2, malformed);
        Assert.StartsWith("error: not a valid proof bundle", error);
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("eth-personal")]
    [InlineData("rsa-pkcs1-sha256")]
    public async Task EvidenceCreatePrintsASubmissionThatVerifies(string alg)
    {
        var keyPath = Path.Combine(_dir, "p.key");
        Assert.Equal(0, (await CliRunner.Run("keygen", "--alg", alg, "--out", keyPath)).Exit);
        var doc = Path.Combine(_dir, "contract.pdf");
        File.WriteAllBytes(doc, "%PDF-1.7 合同"u8.ToArray());

        var (exit, output, error) = await CliRunner.Run("evidence", "create", "--key", keyPath, "--provider", "acme",
            "--file", doc, "--contract", "合同-2026-001", "--kind", "contract.document");
        Assert.True(exit == 0, error);
        var submission = Core.Json.Jcs.ParseStrict(output.Trim()).AsObject();
        var evidence = Core.Records.Evidence.FromJson(submission["evidence"]);
        Assert.Equal(Hex.Encode(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(doc))), evidence.Hash);
        var keyId = submission["keyId"]!.GetValue<string>();
        Assert.StartsWith("key-", keyId);

        using var key = Anchor.Cli.KeyFile.Load(keyPath);
        Assert.True(SignatureVerifier.TryCreate(key.Descriptor, out var verifier, out _));
        Assert.True(verifier.Verify(Core.Records.Statements.Single("acme", keyId, evidence), Convert.FromBase64String(submission["sig"]!.GetValue<string>())));
    }

    [Fact]
    public async Task EvidenceCreateRefusesBadInput()
    {
        var keyPath = Path.Combine(_dir, "p.key");
        await CliRunner.Run("keygen", "--alg", "ed25519", "--out", keyPath);
        string[] common = ["evidence", "create", "--key", keyPath, "--provider", "acme", "--contract", "c", "--kind", "other"];
        var (exit, output, _) = await CliRunner.Run([.. common, "--hash", "abcd", "--json"]);
        Assert.Equal(1, exit);
        Assert.Equal("hash_malformed", JsonNode.Parse(output)!["code"]!.GetValue<string>());
        Assert.Equal(1, (await CliRunner.Run([.. common, "--hash", new string('a', 64), "--file", keyPath])).Exit);
        Assert.Equal(1, (await CliRunner.Run([.. common])).Exit);
        var (missing, _, error) = await CliRunner.Run(["evidence", "create", "--key", Path.Combine(_dir, "none"), "--provider", "a", "--contract", "c", "--kind", "other", "--hash", new string('a', 64)]);
        Assert.Equal(1, missing);
        Assert.Contains("does not exist", error);
    }
}
