using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Anchor.Node.Api;

namespace Anchor.Node.Tests;

/// <summary>
/// While Redis is out of reach, the node answers at once with 503 (and Retry-After) instead of holding every request
/// for the client library's timeouts (about 11 s before); once Redis is back, it serves again.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class RedisOutageTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-outage-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Requests_and_health_fail_within_a_second_while_redis_is_unreachable()
    {
        // The node reaches Redis through a relay: stopping it is an outage as the node sees it (connections
        // dropped, new ones refused) while the shared Redis keeps running for the other tests.
        await using var relay = new TcpProxy(redis.Port);
        relay.Start();
        await using var node = await TestNode.StartAsync(TestNode.Args($"127.0.0.1:{relay.Port}", "outage.test/log", _state));
        using var provider = new TestProvider("outage");
        await provider.RegisterAsync(node);
        var first = TestProvider.NewEvidence("c-outage");
        Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(first))).Status);

        relay.Stop();
        var requests = new (string What, Func<Task<HttpResponseMessage>> Send)[]
        {
            ("GET /checkpoint", () => node.Http.GetAsync("/checkpoint")),
            ("GET /tile", () => node.Http.GetAsync("/tile/0/000.p/1")),
            ("GET /v1/proofs/0", () => Get(node, "/v1/proofs/0")),
            ("GET /v1/proofs?hash=", () => Get(node, $"/v1/proofs?hash={first.Hash}")),
            ("GET by contract", () => Get(node, "/v1/contracts/c-outage/proofs?provider=outage")),
            ("POST /v1/evidence", () => node.Http.PostAsync("/v1/evidence", Json(provider.Single(TestProvider.NewEvidence())))),
            ("POST /v1/evidence/batch", () => node.Http.PostAsync("/v1/evidence/batch", Json(provider.Batch([TestProvider.NewEvidence()])))),
            ("POST /v1/evidence, unknown provider", () => node.Http.PostAsync("/v1/evidence", Json(new TestProvider("newcomer").Single(TestProvider.NewEvidence())))),
        };
        foreach (var (what, send) in requests)
        {
            var clock = Stopwatch.StartNew();
            using var response = await send();
            var elapsed = clock.Elapsed;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == 503, $"{what}: {(int)response.StatusCode} {text}");
            Assert.Equal(Problem.ContentType, response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("\"code\":\"unavailable\"", text, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"{what} took {elapsed.TotalMilliseconds:0} ms to fail");
        }
        var healthClock = Stopwatch.StartNew();
        var (health, body) = await node.HealthAsync();
        Assert.True(healthClock.Elapsed < TimeSpan.FromSeconds(1.5), $"/healthz took {healthClock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(503, health);
        Assert.Equal("unavailable", body["status"]!.GetValue<string>());
        Assert.NotNull(body["redis"]);

        // Redis back: the node reconnects by itself and accepts again.
        relay.Start();
        await node.WaitHealthyAsync();
        (int Status, System.Text.Json.Nodes.JsonObject Body) after = default;
        for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline; await Task.Delay(200))
            if ((after = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status == 200) break;
        Assert.True(after.Status == 200, after.Body?.ToJsonString());
    }

    private static async Task<HttpResponseMessage> Get(TestNode node, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.AdminToken);
        return await node.Http.SendAsync(request);
    }

    private static StringContent Json(System.Text.Json.Nodes.JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
