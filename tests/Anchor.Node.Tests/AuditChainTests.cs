using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Verification;

namespace Anchor.Node.Tests;

/// <summary>
/// `anchor audit --rpc` against every anchor the chain holds for the log, not only those the log recorded: the operator
/// key anchors the log's true root at one size, a wrong root at a later size of the log, and a root at a size the log
/// never reached (what an anchor sent in the second a power loss took back looks like). The audit names the two that
/// disagree, passes the true one, and exits 1.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class AuditChainTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-auditchain-").FullName;

    [Fact]
    public async Task Every_on_chain_anchor_is_checked_and_a_root_the_log_does_not_have_fails_the_audit()
    {
        const string origin = "auditchain.test/log";
        await using var anvil = await Anvil.StartAsync(31337);
        using var operatorClient = await AnchorRegistryClient.ConnectAsync(new ChainTarget("audit", anvil.Url, anvil.ChainId) { Confirmations = 1, Finality = FinalityRule.Confirmations }, DevAccounts.Key0);
        var registry = (await operatorClient.DeployAsync()).ContractAddress!;
        using var chain = await AnchorRegistryClient.ConnectAsync(new ChainTarget("audit", anvil.Url, anvil.ChainId, registry) { Confirmations = 1, Finality = FinalityRule.Confirmations }, DevAccounts.Key0);

        // A node without chains: every anchor on the chain is one the test sends with the operator's key.
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, Path.Combine(_state, "node")));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        await chain.RegisterLogAsync(origin, RegistryLog.KeyCommitment(logKey));
        var logId = LogId.For(DevAccounts.Address0, origin);
        using var provider = new TestProvider("acme");
        await provider.RegisterAsync(node);
        await AnchoringTests.SubmitAsync(node, provider, 3);
        var (trueSize, trueRoot) = await CheckpointAsync(node, 4);
        await AnchoringTests.SubmitAsync(node, provider, 3);
        var (size, root) = await CheckpointAsync(node, 7);

        var trust = Path.Combine(_state, "trust.json");
        await File.WriteAllTextAsync(trust, new TrustFile([new TrustedLog(origin, [logKey],
            [new TrustedChain("31337", registry.ToLowerInvariant(), DevAccounts.Address0.ToLowerInvariant(), LogId.Hex(DevAccounts.Address0, origin))])], [], []).ToJson().ToJsonString());
        string[] audit = ["--json", "audit", "--redis", redis.Connection, "--origin", origin, "--trust", trust, "--rpc", $"31337={anvil.Url}"];

        await chain.AnchorAsync(logId, trueSize, trueRoot);
        var (exit, output, error) = await CliRunner.Run(audit);
        Assert.True(exit == 0, output + error);
        Assert.Equal("1", JsonNode.Parse(output)!["chainAnchors"]!.GetValue<string>());

        var wrongRoot = Enumerable.Repeat((byte)0x5a, 32).ToArray();
        await chain.AnchorAsync(logId, size, wrongRoot);
        await chain.AnchorAsync(logId, size + 100, wrongRoot);
        (exit, output, error) = await CliRunner.Run(audit);
        Assert.True(exit == 1, output + error);
        var report = JsonNode.Parse(output)!;
        Assert.Equal("3", report["chainAnchors"]!.GetValue<string>());
        var findings = report["findings"]!.AsArray().Select(f => (Subject: f!["subject"]!.GetValue<string>(), Problem: f["problem"]!.GetValue<string>())).ToList();
        Assert.Equal([$"chain 31337/{size}", $"chain 31337/{size + 100}"], findings.Select(f => f.Subject));
        Assert.Contains($"the log's root at that size is {Hex.Encode(root)}", findings[0].Problem, StringComparison.Ordinal);
        Assert.Contains($"beyond the log's size {size}", findings[1].Problem, StringComparison.Ordinal);
    }

    /// <summary>The node's checkpoint once it reaches <paramref name="size"/>: (size, root).</summary>
    private static async Task<(ulong Size, byte[] Root)> CheckpointAsync(TestNode node, ulong size)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var lines = (await node.Http.GetStringAsync("/checkpoint")).Split('\n');
            var at = ulong.Parse(lines[1], CultureInfo.InvariantCulture);
            if (at >= size) return (at, Convert.FromBase64String(lines[2]));
            Assert.True(DateTime.UtcNow < deadline, $"the checkpoint stays at {at}");
            await Task.Delay(50);
        }
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
