using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>The operator's side of a real node: GET /v1/admin/status, and `anchor admin provider …` and `anchor status` with the token file the node wrote.</summary>
[Collection(NodeCollection.Name)]
public sealed class OperatorTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Status_reports_log_silos_and_redis_persistence_to_the_operator_only()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "status.test/log", _state));
        Assert.Equal(401, (await node.GetAnonymousAsync("/v1/admin/status")).Status);
        Assert.Equal(403, (await node.GetAsync("/v1/admin/status", "not-the-token")).Status);

        using var provider = new TestProvider("status");
        await provider.RegisterAsync(node);
        for (var i = 0; i < 2; i++) Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);

        var (status, body) = await node.GetAsync("/v1/admin/status", node.AdminToken);
        Assert.True(status == 200, body.ToJsonString());
        Assert.Equal("3", body["log"]!["size"]!.GetValue<string>()); // The key registration and two records.
        Assert.InRange(body["log"]!["checkpointAgeSeconds"]!.GetValue<double>(), 0, 30);
        var silos = body["silos"]!.AsArray();
        Assert.Single(silos);
        Assert.Equal("Active", silos[0]!["status"]!.GetValue<string>());
        Assert.Equal("1", body["redis"]!["aof_enabled"]!.GetValue<string>());
        Assert.Equal("ok", body["redis"]!["aof_last_write_status"]!.GetValue<string>());
        // Without anchoring registered, chains say so instead of failing the whole status.
        Assert.True(body["chains"] is JsonArray || body["chains"]!["error"] is not null, body.ToJsonString());
    }

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
        // Two key registrations, one revocation, one record: key history is in the log.
        Assert.Contains("size 4, last checkpoint", output, StringComparison.Ordinal);
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
