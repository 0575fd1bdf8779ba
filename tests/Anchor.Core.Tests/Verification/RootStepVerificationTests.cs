using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// Bundles of a member log sealed through the cluster's root log: the member checkpoint is a leaf of the root log, and
/// the anchors and time-stamps are the root log's. Each forgery of the step is refused with the check that guards it.
/// </summary>
public sealed class RootStepVerificationTests
{
    private static readonly TrustedChain RootChain = new("31337", "0x" + new string('1', 40), "0x" + new string('4', 40), "0x" + new string('5', 64));
    private static readonly TrustedChain MemberChain = new("31337", "0x" + new string('7', 40), "0x" + new string('4', 40), "0x" + new string('8', 64));

    /// <summary>
    /// A member log, another member, and the root log after two rounds: round 1 sealed the member at size 3 (leaf 1),
    /// round 2 at size 5 (leaf 3 of 4). The bundle is of entry 1 at size 5, with the root step, an anchor of the root
    /// tree and a TSA token over the root checkpoint.
    /// </summary>
    internal sealed class Cluster : IDisposable
    {
        public InMemoryLog Member { get; } = new();
        public RootLog Root { get; } = new();
        public TestTsa Tsa { get; } = TestTsa.Ecdsa();
        public ProofBundle Bundle { get; }
        public ProofBundle Unsealed { get; }
        public string EarlierCheckpoint { get; }
        public ulong EarlierLeaf { get; }

        public Cluster()
        {
            using var key = SigningKey.Generate(SignatureAlg.Ed25519);
            using var other = NoteSigner.Generate("test.anchor/other");
            string OtherCheckpoint(ulong size) => other.Sign(new Checkpoint(other.Name, size, System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(size))));

            var index = Member.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("合同-2026-001", [1]));
            Member.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-2", [2]));
            Root.Append(OtherCheckpoint(5));
            EarlierCheckpoint = Member.Bundle(index, key.Descriptor).Checkpoint;
            EarlierLeaf = Root.Append(EarlierCheckpoint);

            Member.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-3", [3]));
            Member.AddSingle(key, "acme", "k1", InMemoryLog.NewEvidence("c-4", [4]));
            Unsealed = Member.Bundle(index, key.Descriptor);
            Root.Append(OtherCheckpoint(9));
            var step = Root.Step(Root.Append(Unsealed.Checkpoint));
            Bundle = Unsealed with
            {
                Root = step,
                Anchors = [Root.Anchor(RootChain)],
                Timestamps = [TimestampVerificationTests.Stamp(step.Checkpoint, Tsa.Reply, TsaHashAlg.Sha256, "dev")],
            };
        }

        public TrustedLog MemberLog(string? sealedBy = null, params TrustedChain[] chains) =>
            new(InMemoryLog.Origin, [Member.LogKey.VerifierKey.ToString()], chains, sealedBy);

        public TrustFile Trust(string? sealedBy = null) => new([MemberLog(sealedBy), Root.Trusted(RootChain)], [], [Tsa.RootPem]);

        public void Dispose()
        {
            Member.Dispose();
            Root.Dispose();
        }
    }

    private static string Describe(VerificationReport report) =>
        string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")) + "\n" + report.Verdict;

    private static Task<VerificationReport> Verify(ProofBundle bundle, TrustFile? trust, IAnchorLookup? chain = null) =>
        BundleVerifier.VerifyAsync(bundle, new VerifyOptions
        {
            Trust = trust,
            Chains = chain is null ? new Dictionary<string, IAnchorLookup>() : new Dictionary<string, IAnchorLookup> { ["31337"] = chain },
        });

    private static void AssertFails(VerificationReport report, string check)
    {
        Assert.True(report.Checks.Single(c => c.Name == check).Status == CheckStatus.Fail, Describe(report));
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);
        Assert.Equal(1, report.ExitCode);
    }

    [Fact]
    public async Task AGenuineRootStepBundleVerifiesAndTheChainIsAskedAboutTheRootLog()
    {
        using var c = new Cluster();
        var offline = await Verify(c.Bundle, c.Trust());
        Assert.False(offline.AnyFailed, Describe(offline));
        Assert.Equal(VerificationOutcome.Valid, offline.Outcome);
        foreach (var check in new[] { "checkpoint signature", "checkpoint matches proof", "root leaf", "root inclusion", "root checkpoint signature",
                     "root checkpoint matches proof", "anchor chain 31337 names this tree", "anchor chain 31337 registry", "tsa dev imprint", "tsa dev trusted root" })
            Assert.True(offline.Checks.Single(x => x.Name == check).Status == CheckStatus.Pass, Describe(offline));
        Assert.Equal(CheckStatus.Info, offline.Checks.Single(x => x.Name == "root log").Status);
        Assert.Contains("(root checkpoint body)", offline.Checks.Single(x => x.Name == "tsa dev imprint").Detail);
        Assert.StartsWith("VALID OFFLINE, ANCHORS NOT CHECKED", offline.Verdict);
        Assert.Contains($"of log '{InMemoryLog.Origin}', included in root log '{RootLog.DefaultOrigin}' at leaf 3 of 4 (anchored and time-stamped there)", offline.Verdict);
        Assert.Contains("under the trusted keys of both logs", offline.Verdict);
        Assert.Contains($"leaf 3 of 4, checked", offline.Summary.Single(l => l.Label == "root log").Text);
        Assert.Contains($"log '{InMemoryLog.Origin}', root log '{RootLog.DefaultOrigin}'", offline.Summary.Single(l => l.Label == "trusted roots").Text);

        // The chain is looked up against the ROOT log's trusted registry and the ROOT key's commitment.
        var chain = new RecordingChain();
        var online = await Verify(c.Bundle, c.Trust(), chain);
        Assert.True(online.AllPassed, Describe(online));
        Assert.StartsWith("VALID: ", online.Verdict);
        var expected = Assert.Single(chain.Asked);
        Assert.Equal(RootChain, expected.Chain);
        Assert.Equal(RegistryLog.KeyCommitment(c.Root.LogKey.VerifierKey.ToString()), expected.KeyCommitment);

        var unanchored = await Verify(c.Bundle with { Anchors = [] }, c.Trust());
        Assert.True(unanchored.AllPassed, Describe(unanchored));
        Assert.StartsWith("VALID, NOT ANCHORED", unanchored.Verdict);
    }

    /// <summary>The same member bundle without a root step is today's bundle: it verifies on the member log alone.</summary>
    [Fact]
    public async Task ABundleWithoutARootStepVerifiesAsBefore()
    {
        using var c = new Cluster();
        var report = await Verify(c.Unsealed, c.Trust());
        Assert.True(report.AllPassed, Describe(report));
        Assert.StartsWith($"VALID, NOT ANCHORED: entry 1 (", report.Verdict);
        Assert.Contains("is in the log's tree of size 5 under the trusted log key.", report.Verdict);
        Assert.DoesNotContain(report.Checks, x => x.Name.StartsWith("root", StringComparison.Ordinal));
        Assert.DoesNotContain(report.Summary, l => l.Label == "root log");
        Assert.False(c.Unsealed.ToJson().ContainsKey("root"));
    }

    [Theory]
    [InlineData("leaf index")]
    [InlineData("inclusion")]
    [InlineData("tree size")]
    [InlineData("short proof")]
    public async Task AMemberCheckpointNotInTheRootLogIsRefused(string forgery)
    {
        using var c = new Cluster();
        var step = c.Bundle.Root!;
        step = forgery switch
        {
            "leaf index" => step with { LeafIndex = c.EarlierLeaf.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            "inclusion" => step with { Inclusion = [Flip(step.Inclusion[0]), .. step.Inclusion.Skip(1)] },
            "tree size" => step with { TreeSize = "5" },
            _ => step with { Inclusion = [.. step.Inclusion.SkipLast(1)] },
        };
        var report = await Verify(c.Bundle with { Root = step }, c.Trust());
        Assert.Equal(VerificationOutcome.Invalid, report.Outcome);
        Assert.Contains(report.Checks, x => x.Status == CheckStatus.Fail && x.Name is "root inclusion" or "root checkpoint matches proof");
    }

    /// <summary>The root log did include this log, but at another size: its leaf is another checkpoint than the bundle's.</summary>
    [Fact]
    public async Task ARootStepForAnotherCheckpointOfTheSameLogIsRefused()
    {
        using var c = new Cluster();
        var report = await Verify(c.Bundle with { Root = c.Root.Step(c.EarlierLeaf) }, c.Trust());
        AssertFails(report, "root checkpoint matches proof");
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(x => x.Name == "root checkpoint signature").Status);

        // Nor can the bundle swap in that earlier checkpoint: the member's proof then fails against it.
        var swapped = await Verify(c.Bundle with { Checkpoint = c.EarlierCheckpoint, Root = c.Root.Step(c.EarlierLeaf) }, c.Trust());
        AssertFails(swapped, "checkpoint matches proof");
    }

    /// <summary>A forger's root log under the real root origin, holding the same leaves, signed with a key nobody trusts.</summary>
    [Fact]
    public async Task ARootCheckpointSignedByAnUntrustedKeyIsRefused()
    {
        using var c = new Cluster();
        using var forged = new RootLog();
        var leaf = 0UL;
        foreach (var checkpoint in new[] { c.EarlierCheckpoint, c.Bundle.Checkpoint }) leaf = forged.Append(checkpoint);
        var report = await Verify(c.Bundle with { Root = forged.Step(leaf), Anchors = [forged.Anchor(RootChain)] }, c.Trust());
        AssertFails(report, "root checkpoint signature");
        Assert.Equal(CheckStatus.Fail, report.Checks.Single(x => x.Name == "root checkpoint matches proof").Status); // No verified root checkpoint to compare.
    }

    [Fact]
    public async Task ARootLogOrMemberLogTheTrustFileDoesNotListIsUnverified()
    {
        using var c = new Cluster();
        var noRoot = await Verify(c.Bundle, new TrustFile([c.MemberLog()], [], [c.Tsa.RootPem]));
        Assert.Equal(VerificationOutcome.Unverified, noRoot.Outcome);
        Assert.Equal($"UNVERIFIED: the trust file lists no log '{RootLog.DefaultOrigin}'", noRoot.Verdict);
        Assert.Equal(3, noRoot.ExitCode);
        Assert.Equal(CheckStatus.NotChecked, noRoot.Checks.Single(x => x.Name == "root checkpoint signature").Status);
        Assert.Equal(CheckStatus.NotChecked, noRoot.Checks.Single(x => x.Name == "anchor chain 31337 registry").Status);
        Assert.Equal(CheckStatus.NotChecked, noRoot.Checks.Single(x => x.Name == "tsa dev trusted root").Status);

        var noMember = await Verify(c.Bundle, new TrustFile([c.Root.Trusted(RootChain)], [], [c.Tsa.RootPem]));
        Assert.Equal(VerificationOutcome.Unverified, noMember.Outcome);
        Assert.Equal($"UNVERIFIED: the trust file lists no log '{InMemoryLog.Origin}'", noMember.Verdict);
        Assert.Equal(3, noMember.ExitCode);
    }

    [Fact]
    public async Task AnAnchorOfTheMemberTreeIsRefused()
    {
        using var c = new Cluster();
        var memberTree = c.Bundle.Anchors[0] with { TreeSize = c.Bundle.TreeSize, Root = "0x" + Hex.Encode(c.Member.Root()) };
        AssertFails(await Verify(c.Bundle with { Anchors = [memberTree] }, c.Trust()), "anchor chain 31337 names this tree");
    }

    /// <summary>The anchor names the root tree, but on the registry the trust file lists for the member log: not the root log's.</summary>
    [Fact]
    public async Task AnAnchorOnTheMemberLogsRegistryIsRefused()
    {
        using var c = new Cluster();
        var trust = new TrustFile([c.MemberLog(null, MemberChain), c.Root.Trusted(RootChain)], [], [c.Tsa.RootPem]);
        Assert.False((await Verify(c.Bundle, trust)).AnyFailed);
        var report = await Verify(c.Bundle with { Anchors = [c.Root.Anchor(MemberChain)] }, trust);
        AssertFails(report, "anchor chain 31337 registry");
    }

    [Fact]
    public async Task ATokenOverTheMemberCheckpointIsRefused()
    {
        using var c = new Cluster();
        var member = TimestampVerificationTests.Stamp(c.Bundle.Checkpoint, c.Tsa.Reply, TsaHashAlg.Sha256, "dev");
        AssertFails(await Verify(c.Bundle with { Timestamps = [member] }, c.Trust()), "tsa dev imprint");
    }

    [Fact]
    public async Task TheRootLogMustBeTheOneTheTrustFileNamesAsSealingTheMember()
    {
        using var c = new Cluster();
        var named = await Verify(c.Bundle, c.Trust(sealedBy: RootLog.DefaultOrigin));
        Assert.False(named.AnyFailed, Describe(named));
        Assert.Equal(CheckStatus.Pass, named.Checks.Single(x => x.Name == "root log").Status);

        // Another root log the verifier trusts (for other members) seals nothing of this one.
        using var otherRoot = new RootLog("test.anchor/other-root");
        var step = otherRoot.Step(otherRoot.Append(c.Bundle.Checkpoint));
        var trust = new TrustFile([c.MemberLog(RootLog.DefaultOrigin), c.Root.Trusted(RootChain), otherRoot.Trusted(RootChain)], [], [c.Tsa.RootPem]);
        var report = await Verify(c.Bundle with { Root = step, Anchors = [otherRoot.Anchor(RootChain)], Timestamps = [] }, trust);
        AssertFails(report, "root log");
        Assert.Equal(CheckStatus.Pass, report.Checks.Single(x => x.Name == "root checkpoint matches proof").Status);

        // A root step that names the member log itself is no root log.
        var self = new RootStep("0", "1", [], c.Bundle.Checkpoint, c.Bundle.LogKey);
        AssertFails(await Verify(c.Bundle with { Root = self }, c.Trust()), "root log");
    }

    [Fact]
    public async Task ExploringWithoutATrustFileUsesTheRootStepsOwnKeyAndSaysUntrusted()
    {
        using var c = new Cluster();
        var report = await BundleVerifier.VerifyAsync(c.Bundle, new VerifyOptions { AllowUntrusted = true });
        Assert.False(report.AnyFailed, Describe(report));
        Assert.Contains("THE BUNDLE'S OWN KEY", report.Checks.Single(x => x.Name == "root checkpoint signature").Detail);
        Assert.StartsWith("UNTRUSTED", report.Verdict);

        // A trusted member log does not lend its trust to a root log the trust file does not list.
        var half = await BundleVerifier.VerifyAsync(c.Bundle, new VerifyOptions { AllowUntrusted = true, Trust = new TrustFile([c.MemberLog()], [], [c.Tsa.RootPem]) });
        Assert.Equal(VerificationOutcome.Untrusted, half.Outcome);
    }

    [Fact]
    public void TheRootMemberRoundTripsInItsPlaceAndIsStrict()
    {
        using var c = new Cluster();
        var json = c.Bundle.ToJson();
        Assert.Equal(["format", "entry", "providerKey", "leafIndex", "leafHash", "treeSize", "inclusion", "checkpoint", "logKey", "keyEntry", "root", "anchors", "timestamps"],
            json.Select(kv => kv.Key));
        Assert.Equal(["leafIndex", "treeSize", "inclusion", "checkpoint", "logKey"], json["root"]!.AsObject().Select(kv => kv.Key));
        var parsed = ProofBundle.FromJson(JsonNode.Parse(json.ToJsonString()));
        Assert.Equal(c.Bundle.Root! with { Inclusion = parsed.Root!.Inclusion }, parsed.Root);
        Assert.Equal(c.Bundle.Root!.Inclusion, parsed.Root.Inclusion);

        foreach (var (member, value) in new (string, JsonNode?)[] { ("extra", "x"), ("leafIndex", "03"), ("treeSize", "-1"), ("inclusion", "x") })
        {
            var bad = (JsonObject)json.DeepClone();
            bad["root"]![member] = value;
            Assert.Equal(ErrorCodes.Malformed, Assert.Throws<AnchorException>(() => ProofBundle.FromJson(bad)).Code);
        }
        var nullRoot = (JsonObject)json.DeepClone();
        nullRoot["root"] = null;
        Assert.Throws<AnchorException>(() => ProofBundle.FromJson(nullRoot));
    }

    [Fact]
    public void TheLeafIsTheMemberCheckpointBody()
    {
        using var c = new Cluster();
        var body = c.Bundle.Checkpoint[..(c.Bundle.Checkpoint.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
        Assert.Equal(Encoding.UTF8.GetBytes(body), RootStep.LeafData(c.Bundle.Checkpoint));
        Assert.Equal(System.Security.Cryptography.SHA256.HashData([0, .. Encoding.UTF8.GetBytes(body)]), RootStep.LeafHash(c.Bundle.Checkpoint));
        Assert.Equal(TsaHashAlg.CheckpointImprint(TsaHashAlg.Sha256, c.Bundle.Checkpoint), System.Security.Cryptography.SHA256.HashData(RootStep.LeafData(c.Bundle.Checkpoint)));
        Assert.ThrowsAny<NoteError>(() => RootStep.LeafData(body));
    }

    [Fact]
    public void TheTrustFileReadsSealedByAndRefusesItsOwnOrigin()
    {
        using var c = new Cluster();
        var trust = c.Trust(RootLog.DefaultOrigin);
        var json = trust.ToJson();
        Assert.Equal(RootLog.DefaultOrigin, json["logs"]![0]!["sealedBy"]!.GetValue<string>());
        Assert.False(json["logs"]![1]!.AsObject().ContainsKey("sealedBy"));
        Assert.Equal(RootLog.DefaultOrigin, TrustFile.FromJson(JsonNode.Parse(json.ToJsonString())).Log(InMemoryLog.Origin)!.SealedBy);
        json["logs"]![0]!["sealedBy"] = InMemoryLog.Origin;
        Assert.Throws<AnchorException>(() => TrustFile.FromJson(json));
    }

    /// <summary>Every string of a root-step bundle, changed in one character, fails verification, except the labels.</summary>
    [Fact]
    public async Task EveryFieldMutationIsCaught()
    {
        using var c = new Cluster();
        var json = (c.Bundle with { Anchors = [] }).ToJson();
        var paths = BundleMutations.StringLeaves(json).Where(l => l.Path is not ("/logKey" or "/root/logKey" or "/timestamps/0/tsa")).ToList();
        Assert.Contains(paths, p => p.Path == "/root/checkpoint");
        foreach (var (path, value) in paths)
        {
            ProofBundle parsed;
            try { parsed = ProofBundle.FromJson(BundleMutations.With(json, path)); }
            catch (AnchorException) { continue; }
            var report = await Verify(parsed, c.Trust());
            Assert.True(report.AnyFailed, $"mutating {path} ('{value}') went unnoticed");
        }
    }

    private static string Flip(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];

    /// <summary>A chain that confirms every anchor, recording what the verifier expected of it.</summary>
    private sealed class RecordingChain : IAnchorLookup
    {
        public List<AnchorExpectation> Asked { get; } = [];

        public Task<IReadOnlyList<Check>> CheckAsync(ChainAnchor anchor, AnchorExpectation expected, int minConfirmations, CancellationToken cancellationToken)
        {
            Asked.Add(expected);
            return Task.FromResult<IReadOnlyList<Check>>([Check.Pass($"anchor chain {anchor.ChainId} block time", anchor.BlockTime)]);
        }
    }
}
