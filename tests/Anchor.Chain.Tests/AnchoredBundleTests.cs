using System.Globalization;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Verification;

namespace Anchor.Chain.Tests;

/// <summary>A bundle anchored on a real anvil verifies with the chain checks, and any change to its anchor is caught.</summary>
public class AnchoredBundleTests
{
    private const string Origin = "bundle.test/log";

    private static async Task<(ProofBundle Bundle, Anvil Anvil)> AnchoredBundleAsync()
    {
        var anvil = await Anvil.StartAsync(31337);
        using var client = await TestChains.DeployAsync(anvil);
        await client.RegisterLogAsync(Origin);

        using var provider = SigningKey.Generate(SignatureAlg.Ed25519);
        using var logKey = NoteSigner.Generate(Origin);
        var tree = new MemoryTree();
        var entries = new List<LogEntry>();
        for (var i = 0; i < 5; i++)
        {
            var evidence = new Evidence("sha256", Hex.Encode(System.Security.Cryptography.SHA256.HashData([(byte)i])), $"c-{i}", "contract.document",
                null, "2026-11-26T11:00:00.000Z", Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));
            var entry = new LogEntry("acme", "k1", evidence, Convert.ToBase64String(provider.Sign(Statements.Single("acme", "k1", evidence))), null, "2026-11-26T11:00:01.000Z");
            entries.Add(entry);
            tree.AppendLeafHash(entry.LeafHash());
        }
        var root = tree.Root();
        var mined = await client.AnchorAsync(LogId.For(Origin), tree.Size, root);
        var record = await client.LookupTransactionAsync(mined.Hash);
        var anchor = new ChainAnchor(record.ChainId.ToString(CultureInfo.InvariantCulture), record.Registry, record.LogId,
            record.TreeSize.ToString(CultureInfo.InvariantCulture), record.Root, record.TxHash,
            record.BlockNumber.ToString(CultureInfo.InvariantCulture), record.BlockHash, Times.ToText(record.BlockTime));
        const ulong index = 3;
        var bundle = new ProofBundle(entries[(int)index], provider.Descriptor.ToJson(), "3", Hex.Encode(tree.LeafHash(index)), "5",
            [.. tree.Inclusion(index, 5).Select(h => Hex.Encode(h))], logKey.Sign(new Checkpoint(Origin, 5, root)), logKey.VerifierKey.ToString(), [anchor], []);
        return (bundle, anvil);
    }

    /// <summary>The roots the verifier chose: the log's key, and the registry, operator and log ID the node published.</summary>
    private static TrustFile Trusted(ProofBundle bundle) =>
        new([new TrustedLog(Origin, [bundle.LogKey], [new TrustedChain("31337", bundle.Anchors[0].Registry.ToLowerInvariant(),
            AccountKey.AddressOf(DevAccounts.Key0).ToLowerInvariant(), LogId.Hex(Origin))])], [], []);

    private static VerifyOptions WithRpc(Anvil anvil, ProofBundle trusted) => new()
    {
        Trust = Trusted(trusted),
        Chains = new Dictionary<string, IAnchorLookup> { ["31337"] = new RpcAnchorLookup(anvil.Url) },
    };

    [Fact]
    public async Task AnchoredBundlePassesEveryChainCheck()
    {
        var (bundle, anvil) = await AnchoredBundleAsync();
        await using var _ = anvil;
        var report = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle));
        Assert.True(report.AllPassed, string.Join("\n", report.Checks));
        foreach (var name in new[] { "transaction", "Anchored event", "rootAt", "block", "confirmations", "block time" })
            Assert.Contains(report.Checks, c => c.Name == $"anchor chain 31337 {name}" && c.Status == CheckStatus.Pass);
        Assert.StartsWith("VALID: ", report.Verdict);
        Assert.Contains("existed no later than", report.Verdict);

        var offline = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = Trusted(bundle) });
        Assert.StartsWith("VALID OFFLINE, ANCHORS NOT CHECKED", offline.Verdict);
        var tooFew = await BundleVerifier.VerifyAsync(bundle, WithRpc(anvil, bundle) with { MinConfirmations = 50 });
        Assert.Equal(CheckStatus.Fail, tooFew.Checks.Single(c => c.Name.EndsWith("confirmations", StringComparison.Ordinal)).Status);
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
