using System.Text.Json.Nodes;
using Anchor.Cli;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Verification;

namespace Anchor.Core.Tests.Cli;

/// <summary>What a new user meets first: the help, the files the CLI writes, one key-file format for every verb.</summary>
public sealed class CliUsabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData]
    [InlineData("help")]
    [InlineData("--help")]
    public async Task Anchor_alone_and_anchor_help_show_the_help_and_succeed(params string[] args)
    {
        var (exit, output, error) = await CliRunner.Run(args);
        Assert.True(exit == 0, output + error);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        foreach (var verb in new[] { "submit", "verify", "keygen", "proof", "info" }) Assert.Contains($"  {verb} ", output, StringComparison.Ordinal);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Anchor_help_of_a_verb_is_that_verbs_help()
    {
        var (exit, output, _) = await CliRunner.Run("help", "chain", "deploy");
        Assert.Equal(0, exit);
        Assert.Contains("--rpc", output, StringComparison.Ordinal);
        Assert.Equal((await CliRunner.Run("chain", "deploy", "--help")).Output, output);
    }

    /// <summary>Bundles as the CLI writes them: UTF-8 text with CJK and '+' as they are, indented; the verifier reads them and the one-line escaped form alike.</summary>
    [Fact]
    public async Task Bundle_files_are_readable_utf8_and_verify_as_the_one_line_form_does()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var document = "合同 signed"u8.ToArray();
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-2026-001", document));
        var bundle = log.Bundle(index, key.Descriptor).ToJson();
        var written = Path.Combine(_dir, "bundle.json");
        await JsonOutput.WriteFileAsync(written, bundle, CancellationToken.None);
        var text = await File.ReadAllTextAsync(written);
        Assert.Contains("合同-2026-001", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", text, StringComparison.Ordinal);
        Assert.Contains("\n  \"", text, StringComparison.Ordinal);
        Assert.NotEqual(0xEF, File.ReadAllBytes(written)[0]); // no byte-order mark
        Assert.True(JsonNode.DeepEquals(bundle, Core.Json.Jcs.ParseStrict(text)));
        // Base64 with '+' stays '+' (the default encoder wrote \u002B).
        var sig = bundle["entry"]!["sig"]!.GetValue<string>();
        if (sig.Contains('+')) Assert.Contains(sig, text, StringComparison.Ordinal);

        var doc = Path.Combine(_dir, "doc");
        await File.WriteAllBytesAsync(doc, document);
        var escaped = Path.Combine(_dir, "escaped.json");
        await File.WriteAllTextAsync(escaped, bundle.ToJsonString()); // the older one-line form, \uXXXX escapes and all
        Assert.Contains("\\u", await File.ReadAllTextAsync(escaped), StringComparison.Ordinal);
        foreach (var file in new[] { written, escaped })
        {
            var (exit, output, error) = await CliRunner.Run("verify", file, "--file", doc, "--log-key", log.LogKey.VerifierKey.ToString());
            Assert.True(exit == 0, output + error);
        }
    }

    /// <summary>
    /// `anchor keygen --alg eth-personal` writes the file every verb reads, the chain verbs' account-key loader too; the
    /// older one-line 0x-hex file is still read, by both, as the same key.
    /// </summary>
    [Fact]
    public async Task One_key_file_format_serves_the_signing_verbs_and_the_chain_verbs()
    {
        var generated = Path.Combine(_dir, "eth.key");
        Assert.Equal(0, (await CliRunner.Run("keygen", "--alg", "eth-personal", "--out", generated)).Exit);
        using var key = KeyFile.Load(generated);
        var secret = Chain.AccountKey.ReadFile(generated);
        Assert.Equal(key.Descriptor.ToJson()["address"]!.GetValue<string>().ToLowerInvariant(), Chain.AccountKey.AddressOf(secret).ToLowerInvariant());

        // Anvil's public development account 0, as the quickstart's STATE/chain-key holds it.
        var oneLine = Path.Combine(_dir, "chain-key");
        await File.WriteAllTextAsync(oneLine, "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
        using var fromLine = KeyFile.Load(oneLine);
        Assert.Equal(SignatureAlg.EthPersonal, fromLine.Alg);
        Assert.Equal("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", fromLine.Descriptor.ToJson()["address"]!.GetValue<string>().ToLowerInvariant());
        Assert.Equal("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", Chain.AccountKey.AddressOf(Chain.AccountKey.ReadFile(oneLine)).ToLowerInvariant());

        // A one-line file that is not a 32-byte secret, and a damaged JSON file, are refused with the file named.
        foreach (var bad in new[] { "0x1234", "not a key", "{\"alg\":\"eth-personal\"" })
        {
            var path = Path.Combine(_dir, "bad.key");
            await File.WriteAllTextAsync(path, bad);
            Assert.False(KeyFile.TryLoad(path, out _, out var error));
            Assert.StartsWith($"key file {path} is malformed", error, StringComparison.Ordinal);
        }
    }
}
