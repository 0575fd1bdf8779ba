using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>
/// Who gets in: the operator surface only on the operator listener (whatever the Host header says), no RPC URL in the
/// node's description, and entries readable only with their provider's read token or the admin token.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class AccessTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-access-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task The_operator_surface_answers_on_the_operator_listener_only_whatever_the_Host_header_says()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "access-ops.test/log", _state));
        var operatorPort = node.Operator.BaseAddress!.Port;
        foreach (var path in new[] { "/dashboard/", "/metrics", "/healthz", "/Metrics", "/dashboard/index.html" })
        {
            // The trick of issue 15: a Host header naming the operator port, sent to the API port.
            using var forged = new HttpRequestMessage(HttpMethod.Get, path);
            forged.Headers.Host = $"x:{operatorPort}";
            using var answer = await node.Http.SendAsync(forged);
            Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{path} with Host x:{operatorPort} on the API port: {(int)answer.StatusCode}");
            Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
            Assert.Equal(404, (int)(await node.Http.GetAsync(path)).StatusCode);
        }
        foreach (var path in new[] { "/dashboard/", "/metrics", "/healthz" })
        {
            using var answer = await node.Operator.GetAsync(path);
            Assert.True(answer.IsSuccessStatusCode, $"{path} on the operator port: {(int)answer.StatusCode}");
        }
        // And the operator listener serves nothing of the API, whatever Host it is told.
        foreach (var path in new[] { "/v1/node", "/checkpoint", "/v1/admin/status" })
        {
            using var forged = new HttpRequestMessage(HttpMethod.Get, path);
            forged.Headers.Host = $"x:{node.Http.BaseAddress!.Port}";
            Assert.Equal(HttpStatusCode.NotFound, (await node.Operator.SendAsync(forged)).StatusCode);
        }

        // Bound to 127.0.0.1 by default, not to every address: another loopback address is refused (0.0.0.0 would accept it).
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(new IPEndPoint(IPAddress.Parse("127.0.0.2"), operatorPort)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task The_node_description_names_chains_and_registries_never_rpc_urls()
    {
        const string secret = "k3y-0f-the-rpc-provider-5ecret";
        var keyFile = Path.Combine(_state, "chain-key");
        await File.WriteAllTextAsync(keyFile, "0x" + new string('1', 64) + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        const string registry = "0x00000000000000000000000000000000000a11ce";
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "access-node.test/log", _state,
            "--Anchor:Chains:0:Name=mainnet", $"--Anchor:Chains:0:RpcUrl=http://127.0.0.1:1/v3/{secret}",
            "--Anchor:Chains:0:ChainId=1", $"--Anchor:Chains:0:Registry={registry}", $"--Anchor:Chains:0:KeyFile={keyFile}"));

        var (status, description) = await node.GetAnonymousAsync("/v1/node");
        Assert.Equal(200, status);
        var chain = description["chains"]!.AsArray().Single()!.AsObject();
        Assert.Equal("1", chain["chainId"]!.GetValue<string>());
        Assert.Equal(registry, chain["registry"]!.GetValue<string>());
        Assert.Null(chain["rpc"]);
        foreach (var path in new[] { "/v1/node", "/v1/trust", "/v1/anchors" })
            Assert.DoesNotContain(secret, await node.Http.GetStringAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Entries_are_read_with_their_providers_token_or_the_admin_token_and_the_log_stays_public()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "access-private.test/log", _state));
        using var alice = new TestProvider("alice");
        using var bob = new TestProvider("bob");
        await alice.RegisterAsync(node);
        await bob.RegisterAsync(node);
        // Both register the same document hash, in the same contract id.
        var shared = Anchor.Core.Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var aliceLeaf = await SubmitAsync(node, alice.Single(TestProvider.NewEvidence("c-1", shared)));
        var bobLeaf = await SubmitAsync(node, bob.Single(TestProvider.NewEvidence("c-1", shared)));
        var logKey = (await node.GetAnonymousAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        // Nobody without a token reads an entry, by any route.
        foreach (var path in new[] { $"/v1/proofs/{aliceLeaf}", $"/v1/proofs?hash={shared}", "/v1/contracts/c-1/proofs?provider=alice" })
        {
            var (status, body) = await node.GetAnonymousAsync(path);
            Assert.True(status == 401 && body["code"]?.GetValue<string>() == ErrorCodes.Unauthorized, $"{path}: {status} {body.ToJsonString()}");
        }
        // A provider reads its own entries only.
        var (ownStatus, own) = await node.GetAsync($"/v1/proofs/{aliceLeaf}", alice.ReadToken);
        Assert.Equal(200, ownStatus);
        await Bundles.VerifyAsync(own, logKey);
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync($"/v1/proofs/{bobLeaf}", alice.ReadToken)));
        Assert.Equal([aliceLeaf], Leaves(await node.GetAsync($"/v1/proofs?hash={shared}", alice.ReadToken)));
        Assert.Equal([aliceLeaf], Leaves(await node.GetAsync("/v1/contracts/c-1/proofs?provider=alice", alice.ReadToken)));
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync("/v1/contracts/c-1/proofs?provider=bob", alice.ReadToken)));
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync("/v1/contracts/c-1/proofs?provider=nobody-at-all", alice.ReadToken)));
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync($"/v1/proofs/{aliceLeaf}", "not-a-token")));
        // The admin token reads everything.
        Assert.Equal([aliceLeaf, bobLeaf], Leaves(await node.GetAsync($"/v1/proofs?hash={shared}", node.AdminToken)));
        Assert.Equal([bobLeaf], Leaves(await node.GetAsync("/v1/contracts/c-1/proofs?provider=bob", node.AdminToken)));

        // Checkpoints, tiles and consistency proofs are public: a monitor checks the log without seeing entries.
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/checkpoint")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/tile/0/000.p/2")).StatusCode);
        Assert.Equal(200, (await node.GetAnonymousAsync("/v1/consistency?from=1&to=2")).Status);

        // Rotation: the old token stops reading at once, the new one reads; only the operator rotates.
        Assert.Equal(401, (await node.SendAsync(HttpMethod.Post, "/v1/admin/providers/alice/read-token")).Status);
        Assert.Equal(403, (await node.SendAsync(HttpMethod.Post, "/v1/admin/providers/alice/read-token", bearer: alice.ReadToken)).Status);
        Assert.Equal((404, ErrorCodes.ProviderUnknown), TestNode.Code(await node.SendAsync(HttpMethod.Post, "/v1/admin/providers/nobody-at-all/read-token", bearer: node.AdminToken)));
        var (rotated, answer) = await node.SendAsync(HttpMethod.Post, "/v1/admin/providers/alice/read-token", bearer: node.AdminToken);
        Assert.Equal(200, rotated);
        var fresh = answer["readToken"]!.GetValue<string>();
        Assert.NotEqual(alice.ReadToken, fresh);
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync($"/v1/proofs/{aliceLeaf}", alice.ReadToken)));
        Assert.Equal(200, (await node.GetAsync($"/v1/proofs/{aliceLeaf}", fresh)).Status);

        // The CLI: rotation prints the new token once; proof reads send a token, and without one are refused.
        var url = node.Http.BaseAddress!.ToString();
        var tokenFile = Path.Combine(_state, NodeState.AdminTokenFile);
        var (exit, output, error) = await CliRunner.Run("admin", "provider", "rotate-read-token", "--node", url, "--admin-token-file", tokenFile, "--id", "alice", "--json");
        Assert.True(exit == 0, error);
        var cliToken = JsonNode.Parse(output)!["readToken"]!.GetValue<string>();
        Assert.Equal((403, ErrorCodes.Forbidden), TestNode.Code(await node.GetAsync($"/v1/proofs/{aliceLeaf}", fresh)));
        var dir = Path.Combine(_state, "bundles");
        (exit, _, error) = await CliRunner.Run("proof", "--node", url, "--index", aliceLeaf, "-o", dir);
        Assert.Equal(1, exit);
        Assert.Contains("unauthorized", error, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.Run("proof", "--node", url, "--index", aliceLeaf, "--token", cliToken, "-o", dir);
        Assert.True(exit == 0, error);
        (exit, _, error) = await CliRunner.Run("proof", "--node", url, "--hash", shared, "--token", cliToken, "-o", dir);
        Assert.True(exit == 0, error);
        Assert.Equal([$"bundle-{aliceLeaf}.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Public_entries_open_the_proof_routes_to_everyone()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "access-public.test/log", _state,
            "--Anchor:Privacy:PublicEntries=true"));
        using var carol = new TestProvider("carol");
        await carol.RegisterAsync(node);
        var evidence = TestProvider.NewEvidence("c-9");
        var leaf = await SubmitAsync(node, carol.Single(evidence));
        Assert.Equal(200, (await node.GetAnonymousAsync($"/v1/proofs/{leaf}")).Status);
        Assert.Equal([leaf], Leaves(await node.GetAnonymousAsync($"/v1/proofs?hash={evidence.Hash}")));
        Assert.Equal([leaf], Leaves(await node.GetAnonymousAsync("/v1/contracts/c-9/proofs?provider=carol")));
    }

    private static async Task<string> SubmitAsync(TestNode node, JsonObject request)
    {
        var (status, body) = await node.PostAsync("/v1/evidence", request);
        Assert.True(status == 200, body.ToJsonString());
        return body["leafIndex"]!.GetValue<string>();
    }

    private static List<string> Leaves((int Status, JsonObject Body) answer)
    {
        Assert.True(answer.Status == 200, answer.Body.ToJsonString());
        return [.. answer.Body["bundles"]!.AsArray().Select(b => b!["leafIndex"]!.GetValue<string>())];
    }
}
