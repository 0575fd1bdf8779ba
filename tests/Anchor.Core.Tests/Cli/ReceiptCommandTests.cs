using System.Text;
using System.Text.Json;
using Anchor.Core.Checkpoints;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Verification;

namespace Anchor.Core.Tests.Cli;

/// <summary><c>anchor receipt verify</c> on a single answer: its entry, receipt and the trusted key.</summary>
public sealed class ReceiptCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-receipt-").FullName;

    [Fact]
    public async Task A_single_answer_verifies_and_a_foreign_entry_is_refused()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var index = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-1", [1]));
        var other = log.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-2", [2]));
        string Answer(ulong entry)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream))
            {
                writer.WriteStartObject();
                writer.WritePropertyName("entry");
                writer.WriteRawValue(log.Entry(entry).LeafData());
                writer.WritePropertyName("receipt");
                log.Receipt(index).WriteTo(writer);
                writer.WriteEndObject();
            }
            var path = Path.Combine(_dir, $"answer-{entry}.json");
            File.WriteAllText(path, Encoding.UTF8.GetString(stream.ToArray()));
            return path;
        }
        var vkey = log.LogKey.VerifierKey.ToString();

        var ok = await CliRunner.Run("receipt", "verify", Answer(index), "--log-key", vkey);
        Assert.True(ok.Exit == 0, ok.Output + ok.Error);
        Assert.Contains("✓ leaf hash", ok.Output, StringComparison.Ordinal);
        Assert.Contains("verdict: VALID", ok.Output, StringComparison.Ordinal);

        var foreign = await CliRunner.Run("receipt", "verify", Answer(other), "--log-key", vkey);
        Assert.Equal(1, foreign.Exit);
        Assert.Contains("✗ leaf hash", foreign.Output, StringComparison.Ordinal);

        using var forger = NoteSigner.Generate(InMemoryLog.Origin);
        Assert.Equal(1, (await CliRunner.Run("receipt", "verify", Answer(index), "--log-key", forger.VerifierKey.ToString())).Exit);
        Assert.Equal(3, (await CliRunner.Run("receipt", "verify", Answer(index))).Exit);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
