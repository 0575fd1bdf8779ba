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

        File.WriteAllBytes(docPath, [.. document, 1]);
        var (badExit, badOutput, _) = await CliRunner.Run("verify", bundlePath, "--file", docPath, "--json");
        Assert.Equal(1, badExit);
        var report = JsonNode.Parse(badOutput)!;
        Assert.False(report["ok"]!.GetValue<bool>());
        Assert.StartsWith("INVALID", report["verdict"]!.GetValue<string>());

        File.WriteAllText(bundlePath, "{\"format\":\"anchor-proof/v1\"}");
        var (malformed, _, error) = await CliRunner.Run("verify", bundlePath);
        Assert.Equal(1, malformed);
        Assert.StartsWith("error: not a valid proof bundle", error);
    }
}
