using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Anchor.Node.Tests;

/// <summary>deploy/quickstart.sh as the README runs it: Redis, anvil, the registry and a node, detached; then stopped by pid.</summary>
public sealed class QuickstartTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-quickstart-").FullName;

    [Fact]
    public async Task Quickstart_detached_serves_a_node_that_accepts_and_proves_a_record_and_stop_ends_it()
    {
        var port = RedisServer.FreePort();
        string[] args =
        [
            "--detach", "--no-demo", "--no-build", "--state", _state, "--port", port.ToString(),
            "--redis-port", RedisServer.FreePort().ToString(), "--anvil-port", RedisServer.FreePort().ToString(),
            "--silo-port", RedisServer.FreePort().ToString(), "--gateway-port", RedisServer.FreePort().ToString(),
            "--operator-port", RedisServer.FreePort().ToString(),
        ];
        var (exit, output) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(3), args);
        Dictionary<string, int> pids = [];
        try
        {
            Assert.True(exit == 0, output);
            pids = DeployScript.Pids(_state);
            Assert.Equal(["anvil", "node", "redis"], pids.Keys.Order());

            var info = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "node.json")))!;
            Assert.Equal($"http://127.0.0.1:{port}", info["url"]!.GetValue<string>());
            using var http = new HttpClient { BaseAddress = new Uri(info["url"]!.GetValue<string>()), Timeout = TimeSpan.FromSeconds(60) };
            var node = JsonNode.Parse(await http.GetStringAsync("/v1/node"))!;
            Assert.Equal(info["origin"]!.GetValue<string>(), node["origin"]!.GetValue<string>());
            Assert.Equal(info["logKey"]!.GetValue<string>(), node["logKey"]!.GetValue<string>());

            // The registry the script deployed is a contract on the chain it started.
            var chain = info["chains"]!.AsArray().Single()!;
            Assert.Equal("31337", chain["chainId"]!.ToString());
            var code = await DeployScript.RpcAsync(http, chain["rpc"]!.GetValue<string>(), "eth_getCode", chain["registry"]!.GetValue<string>(), "latest");
            Assert.True(code.GetValue<string>().Length > 100, "no registry code at " + chain["registry"]);

            // One provider, one record, one bundle that verifies under the published log key.
            var token = (await File.ReadAllTextAsync(info["adminTokenFile"]!.GetValue<string>())).Trim();
            using var provider = new TestProvider("quickstart");
            using (var register = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/providers") { Content = Json(provider.Registration()) })
            {
                register.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                Assert.Equal(201, (int)(await http.SendAsync(register)).StatusCode);
            }
            var answer = await http.PostAsync("/v1/evidence?wait=checkpoint", Json(provider.Single(TestProvider.NewEvidence())));
            var body = JsonNode.Parse(await answer.Content.ReadAsStringAsync())!;
            Assert.True(answer.IsSuccessStatusCode, body.ToJsonString());
            await Bundles.VerifyAsync(body["bundle"], info["logKey"]!.GetValue<string>());
            Assert.DoesNotContain(token, output, StringComparison.Ordinal);
        }
        finally
        {
            var (stopExit, stopOutput) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(1), "--stop", "--state", _state);
            Assert.True(stopExit == 0, stopOutput);
        }
        foreach (var (name, pid) in pids) Assert.False(DeployScript.Alive(pid), $"{name} (pid {pid}) still runs after --stop");
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
