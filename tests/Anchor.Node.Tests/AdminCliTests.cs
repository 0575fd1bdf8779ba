using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>`anchor admin provider …` and `anchor status` against a real node, authenticated with the token file it wrote.</summary>
[Collection(NodeCollection.Name)]
public sealed class AdminCliTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Admin_provider_commands_and_status_work_against_a_node()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "admin-cli.test/log", _state));
        var url = node.Http.BaseAddress!.ToString();
        var tokenFile = Path.Combine(_state, NodeState.AdminTokenFile);
        string[] auth = ["--node", url, "--admin-token-file", tokenFile];
        var key1 = Path.Combine(_state, "k1.key");
        var key2 = Path.Combine(_state, "k2.key");
        Assert.Equal(0, (await CliRunner.Run("keygen", "--alg", "ed25519", "--out", key1)).Exit);
        Assert.Equal(0, (await CliRunner.Run("keygen", "--alg", "ecdsa-p256-sha256", "--out", key2)).Exit);

        var (exit, output, error) = await CliRunner.Run(["admin", "provider", "add", .. auth, "--id", "acme", "--name", "Acme Notary", "--key", key1, "--key-id", "k1"]);
        Assert.True(exit == 0, error);
        Assert.Contains("registered provider acme", output, StringComparison.Ordinal);
        // Registering the same id again is a clear conflict, not a crash.
        (exit, _, error) = await CliRunner.Run(["admin", "provider", "add", .. auth, "--id", "acme", "--name", "Again", "--key", key1]);
        Assert.Equal(1, exit);
        Assert.Contains("provider_exists", error, StringComparison.Ordinal);

        Assert.Equal(0, (await CliRunner.Run(["admin", "provider", "add-key", .. auth, "--id", "acme", "--key", key2, "--key-id", "k2"])).Exit);
        (exit, output, _) = await CliRunner.Run(["admin", "provider", "list", .. auth]);
        Assert.Equal(0, exit);
        Assert.Equal("acme\tAcme Notary\t2 key(s)", output.Trim());
        Assert.Equal(0, (await CliRunner.Run(["admin", "provider", "revoke-key", .. auth, "--id", "acme", "--key-id", "k1"])).Exit);
        (exit, output, _) = await CliRunner.Run(["admin", "provider", "show", .. auth, "--id", "acme", "--json"]);
        Assert.Equal(0, exit);
        var keys = JsonNode.Parse(output)!["keys"]!.AsArray();
        Assert.NotNull(keys.Single(k => k!["keyId"]!.GetValue<string>() == "k1")!["revokedAt"]);
        Assert.Null(keys.Single(k => k!["keyId"]!.GetValue<string>() == "k2")!["revokedAt"]);

        // The revoked key no longer submits; the added one does.
        (exit, _, error) = await CliRunner.Run("submit", "--node", url, "--key", key1, "--key-id", "k1", "--provider", "acme", "--hash", new string('a', 64), "--contract", "c", "--kind", "other");
        Assert.Equal(1, exit);
        Assert.Contains("key_revoked", error, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.Run("submit", "--node", url, "--key", key2, "--key-id", "k2", "--provider", "acme", "--hash", new string('b', 64), "--contract", "c", "--kind", "other");
        Assert.True(exit == 0, error);

        (exit, output, error) = await CliRunner.Run(["status", .. auth]);
        Assert.True(exit == 0, error);
        Assert.Contains("size 1, last checkpoint", output, StringComparison.Ordinal);
        Assert.Contains("Active", output, StringComparison.Ordinal);
        Assert.Contains("aof on, last write ok", output, StringComparison.Ordinal);

        // A wrong token is refused with the node's code.
        var wrong = Path.Combine(_state, "wrong-token");
        await File.WriteAllTextAsync(wrong, "nope");
        (exit, _, error) = await CliRunner.Run("status", "--node", url, "--admin-token-file", wrong);
        Assert.Equal(1, exit);
        Assert.Contains("forbidden", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
