using System.Globalization;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Chain.Tests;

/// <summary>
/// A bundle anchored on a real anvil verifies with the chain checks, and any change to its anchor, to the trusted
/// operator or to the key commitment on chain is caught.
/// </summary>
public class AnchoredBundleTests
{
    private const string Origin = "bundle.test/log";

    private static ChainAnchor ToAnchor(AnchorRecord record) => new(record.ChainId.ToString(CultureInfo.InvariantCulture), record.Registry, record.LogId,
        record.TreeSize.ToString(CultureInfo.InvariantCulture), record.Root, record.TxHash,
        record.BlockNumber.ToString(CultureInfo.InvariantCulture), record.BlockHash, Times.ToText(record.BlockTime));

    /// <summary>
    /// A log of 5 entries, registered by dev account 0 with <paramref name="registeredKey"/>'s commitment (the log's own
    /// key when null) and anchored; the bundle of entry 3.
    /// </summary>
    private static async Task<(ProofBundle Bundle, Anvil Anvil)> AnchoredBundleAsync(string? registeredKey = null, NoteSigner? signer = null)
    {
        var anvil = await Anvil.StartAsync(31337);
        using var client = await TestChains.DeployAsync(anvil);
        using var logKey = signer ?? NoteSigner.Generate(Origin);
        await client.RegisterLogAsync(Origin, RegistryLog.KeyCommitment(registeredKey ?? logKey.VerifierKey.ToString()));

        using var provider = SigningKey.Generate(SignatureAlg.Ed25519);
        var tree = new MemoryTree();
        // Entry 0 registers the provider's key, as the node's log does before any record under it.
        var registration = new KeyRegistration("acme", "k1", provider.Descriptor,
            Convert.ToBase64String(provider.Sign(Statements.KeyRegistration("acme", "k1", provider.Descriptor))), "2026-11-26T10:00:00.000Z");
        tree.AppendData(registration.LeafData());
        var entries = new List<LogEntry> { null! };
        for (var i = 0; i < 5; i++)
        {
            var evidence = new Evidence("sha256", Hex.Encode(System.Security.Cryptography.SHA256.HashData([(byte)i])), $"c-{i}", "contract.document",
                null, "2026-11-26T11:00:00.000Z", Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
            var entry = new LogEntry("acme", "k1", evidence, Convert.ToBase64String(provider.Sign(Statements.Single("acme", "k1", evidence))), null, "2026-11-26T11:00:01.000Z", "0");
            entries.Add(entry);
            tree.AppendLeafHash(entry.LeafHash());
        }
        var root = tree.Root();
        var mined = await client.AnchorAsync(client.OwnLogId(Origin), tree.Size, root);
        var anchor = ToAnchor(await client.LookupTransactionAsync(mined.Hash));
        const ulong index = 3;
        var bundle = new ProofBundle(entries[(int)index], provider.Descriptor.ToJson(), "3", Hex.Encode(tree.LeafHash(index)), "6",
            [.. tree.Inclusion(index, 6).Select(h => Hex.Encode(h))], logKey.Sign(new Checkpoint(Origin, 6, root)), logKey.VerifierKey.ToString(),
            new KeyEntryProof("0", registration, [.. tree.Inclusion(0, 6).Select(h => Hex.Encode(h))]), [anchor], []);
        return (bundle, anvil);
    }

    /// <summary>The roots the verifier chose: the log's key, and the registry, operator and log ID the node published.</summary>
    private static TrustFile Trusted(ProofBundle bundle, string operatorAddress = DevAccounts.Address0) =>
        new([new TrustedLog(Origin, [bundle.LogKey], [new TrustedChain("31337", bundle.Anchors[0].Registry.ToLowerInvariant(),
            operatorAddress.ToLowerInvariant(), LogId.Hex(DevAccounts.Address0, Origin))])], [], []);

    private static VerifyOptions WithRpc(Anvil anvil, ProofBundle trusted) => new()
    {
        Trust = Trusted(trusted),
        Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) },
    };

    /// <summary>Runs tests/independent/check-anchor.sh (curl, node, sha256sum: the by-hand steps of docs/verification.md).</summary>
    private static async Task<(int Exit, string Output)> ByHandAsync(ProofBundle bundle, TrustFile trust, Anvil anvil)
    {
        var dir = Directory.CreateTempSubdirectory("anchor-by-hand-").FullName;
        try
        {
            var bundleFile = Path.Combine(dir, "bundle.json");
            var trustFile = Path.Combine(dir, "trust.json");
            await File.WriteAllTextAsync(bundleFile, bundle.ToJson().ToJsonString());
            await File.WriteAllTextAsync(trustFile, trust.ToJson().ToJsonString());
            var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { Path.Combine(RepoRoot.Path, "tests", "independent", "check-anchor.sh"), bundleFile, trustFile, anvil.Url })
                info.ArgumentList.Add(arg);
            using var process = System.Diagnostics.Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Show(VerificationReport report) => string.Join("\n", report.Checks) + "\n" + report.Verdict;

    [Fact]
    public async Task AnchoredBundlePassesEveryChainCheck()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle));
        Assert.True(report.AllPassed, Show(report));
        foreach (var name in new[] { "transaction", "Anchored event", "rootAt", "operator", "key commitment", "block", "confirmations", "block time" })
            Assert.Contains(report.Checks, c => c.Name == $"anchor chain 31337 {name}" && c.Status == CheckStatus.Pass);
        Assert.StartsWith("VALID: ", report.Verdict);
        Assert.Contains("existed no later than", report.Verdict);

        var offline = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = Trusted(bundle) });
        Assert.StartsWith("VALID OFFLINE, ANCHORS NOT CHECKED", offline.Verdict);
        var tooFew = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle) with { MinConfirmations = 50 });
        Assert.Equal(CheckStatus.Fail, tooFew.Checks.Single(c => c.Name.EndsWith("confirmations", StringComparison.Ordinal)).Status);

        // The same facts by hand, with curl and the selectors solc reports (docs/verification.md, step 5).
        var (exit, output) = await ByHandAsync(bundle, Trusted(bundle), anvil);
        Assert.True(exit == 0, output);
        foreach (var line in new[] { "registry", "log ID", "transaction status", "transaction to", "Anchored event", "rootAt", "operator", "key commitment", "block", "block time" })
            Assert.Contains($"✓ {line}: ", output);
    }

    /// <summary>A trust file that names another operator for the log: only the operator check fails, and the bundle with it.</summary>
    [Fact]
    public async Task ATrustFileNamingAnotherOperatorFailsTheOperatorCheck()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle) with { Trust = Trusted(bundle, DevAccounts.Address1) });
        var failed = Assert.Single(report.Checks, c => c.Status == CheckStatus.Fail);
        Assert.Equal("anchor chain 31337 operator", failed.Name);
        Assert.Contains(DevAccounts.Address0.ToLowerInvariant(), failed.Detail);
        Assert.Contains(DevAccounts.Address1.ToLowerInvariant(), failed.Detail);
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);

        var (exit, output) = await ByHandAsync(bundle, Trusted(bundle, DevAccounts.Address1), anvil);
        Assert.True(exit == 1, output);
        Assert.Equal(["✗ operator"], output.Split('\n').Where(l => l.StartsWith('✗')).Select(l => l.Split(':')[0]));
    }

    /// <summary>The log ID was registered with the commitment to another key: only the key commitment check fails.</summary>
    [Fact]
    public async Task ALogRegisteredWithAnotherKeyCommitmentFailsTheCommitmentCheck()
    {
        using var other = NoteSigner.Generate(Origin);
        var (bundle, anvil) = await AnchoredBundleAsync(registeredKey: other.VerifierKey.ToString());
        await using var _ = anvil;
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle));
        var failed = Assert.Single(report.Checks, c => c.Status == CheckStatus.Fail);
        Assert.Equal("anchor chain 31337 key commitment", failed.Name);
        Assert.Contains(Hex.Encode(RegistryLog.KeyCommitment(other.VerifierKey.ToString())), failed.Detail);
        Assert.Contains(Hex.Encode(RegistryLog.KeyCommitment(bundle.LogKey)), failed.Detail);
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);

        var (exit, output) = await ByHandAsync(bundle, Trusted(bundle), anvil);
        Assert.True(exit == 1, output);
        Assert.Equal(["✗ key commitment"], output.Split('\n').Where(l => l.StartsWith('✗')).Select(l => l.Split(':')[0]));
    }

    /// <summary>The commitment is over the key's canonical text: a trust file that spells the key ID in capitals still matches.</summary>
    [Fact]
    public async Task TheKeyCommitmentIsOverTheCanonicalVkey()
    {
        var signer = NoteSigner.Generate(Origin);
        while (!signer.VerifierKey.KeyId.ToString("x8", CultureInfo.InvariantCulture).Any(char.IsAsciiLetter))
        {
            signer.Dispose(); // a key ID with a letter, so that capitals spell it differently
            signer = NoteSigner.Generate(Origin);
        }
        var (bundle, anvil) = await AnchoredBundleAsync(signer: signer);
        await using var _ = anvil;
        var parts = bundle.LogKey.Split('+', 3);
        var upper = $"{parts[0]}+{parts[1].ToUpperInvariant()}+{parts[2]}";
        Assert.NotEqual(bundle.LogKey, upper);
        var trust = Trusted(bundle);
        trust = trust with { Logs = [trust.Logs[0] with { Keys = [upper] }] };
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle) with { Trust = trust });
        Assert.True(report.AllPassed, Show(report));
    }

    /// <summary>Exploring without a trust root: the operator is never "passed", only reported; the verdict is UNTRUSTED.</summary>
    [Fact]
    public async Task UntrustedExplorationNeverPassesTheOperatorCheck()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle) with { Trust = null, AllowUntrusted = true });
        Assert.Equal(CheckStatus.NotChecked, report.Checks.Single(c => c.Name == "anchor chain 31337 operator").Status);
        Assert.Equal(VerificationOutcome.Untrusted, report.Outcome);
        Assert.Equal(3, report.ExitCode);
        Assert.False(report.AllPassed);
    }

    /// <summary>
    /// A squatter registers the log's origin on the same registry (with the log's own key commitment) and anchors the same
    /// root. Its anchor is under its own log ID, which the trust file does not list; rewritten to the trusted ID, the
    /// Anchored event no longer matches.
    /// </summary>
    [Fact]
    public async Task ASquattersAnchorOfTheSameRootFails()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var genuine = bundle.Anchors[0];
        using var squatter = await AnchorRegistryClient.ConnectAsync(TestChains.For(anvil, genuine.Registry), DevAccounts.Key1);
        await squatter.RegisterLogAsync(Origin, RegistryLog.KeyCommitment(bundle.LogKey));
        var mined = await squatter.AnchorAsync(squatter.OwnLogId(Origin), 5, Hex.Decode(genuine.RootHex));
        var squatted = ToAnchor(await squatter.LookupTransactionAsync(mined.Hash));
        Assert.Equal(LogId.Hex(DevAccounts.Address1, Origin), squatted.LogId);

        var asIs = await BundleVerifier.VerifyAsync(bundle with { Anchors = [squatted] }, WithRpc(anvil, bundle));
        Assert.Equal(CheckStatus.Fail, asIs.Checks.Single(c => c.Name == "anchor chain 31337 registry").Status);

        var renamed = await BundleVerifier.VerifyAsync(bundle with { Anchors = [squatted with { LogId = genuine.LogId }] }, WithRpc(anvil, bundle));
        Assert.Equal(CheckStatus.Fail, renamed.Checks.Single(c => c.Name == "anchor chain 31337 Anchored event").Status);
    }

    public static TheoryData<string> AnchorFields() =>
        ["chainId", "registry", "logId", "treeSize", "root", "txHash", "blockNumber", "blockHash", "blockTime"];

    /// <summary>One changed character in any anchor field fails the report (nothing passes silently).</summary>
    [Theory]
    [MemberData(nameof(AnchorFields))]
    public async Task ChangedAnchorFieldFails(string field)
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var json = bundle.Anchors[0].ToJson();
        var value = json[field]!.GetValue<string>();
        var i = Math.Max(0, value.Length - 2);
        json[field] = value[..i] + (value[i] == '1' ? '2' : '1') + value[(i + 1)..];
        var mutated = bundle with { Anchors = [ChainAnchor.FromJson(json)] };
        var options = WithRpc(anvil, bundle);
        if (field == "chainId") options = options with { Chains = new Dictionary<string, IAnchorLookup> { [json["chainId"]!.GetValue<string>()] = new RpcAnchorLookup(anvil.Url) } };
        var report = await BundleVerifier.VerifyAsync(mutated, options);
        Assert.True(report.AnyFailed, $"changing {field} to {json[field]} passed:\n{string.Join("\n", report.Checks)}");
    }

    [Fact]
    public async Task AReorgThatDropsTheAnchorFailsTheBundle()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var height = ulong.Parse(bundle.Anchors[0].BlockNumber, CultureInfo.InvariantCulture);
        await anvil.RpcAsync("anvil_reorg", 1, Array.Empty<object>());
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle));
        Assert.True(report.AnyFailed, string.Join("\n", report.Checks));
        Assert.True(await anvil.BlockNumberAsync() >= height);
    }
}
