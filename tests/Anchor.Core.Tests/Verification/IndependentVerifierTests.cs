using Anchor.Core.Records;
using System.Diagnostics;
using Anchor.Core.Signatures;

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

    private static async Task<(int Exit, string Output)> RunNode(string bundle, string vkey)
    {
        var script = Path.Combine(TestData.RepoRoot, "tests", "independent", "verify-bundle.mjs");
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, bundle, vkey }) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start node (Node.js is needed for this test)");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }
}
