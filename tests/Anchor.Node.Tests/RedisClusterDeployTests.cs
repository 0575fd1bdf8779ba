using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>
/// deploy/cluster.sh --redis-cluster: two silos on a private Redis Cluster of 3 primaries and 3 replicas. A record
/// submitted to one silo is proven by the other, `anchor audit` agrees, and after --stop and a second start (the same
/// ports, the cluster not created again) the log is still there.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class RedisClusterDeployTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-rcluster-").FullName;

    [Fact]
    public async Task Two_silos_on_a_redis_cluster_serve_one_log_and_keep_it_across_a_restart()
    {
        string[] start = ["--detach", "--no-build", "--redis-cluster", "--nodes", "2", "--state", _state,
            "--base-port", RedisServer.FreePort().ToString(CultureInfo.InvariantCulture)];
        var (exit, output) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(3), start);
        try
        {
            Assert.True(exit == 0, output);
            Assert.Contains("joining the Redis Cluster: 3 primaries, 3 replicas", output, StringComparison.Ordinal);
            var cluster = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "cluster.json")))!;
            Assert.Equal(6, cluster["redis"]!.GetValue<string>().Split(',').Length);
            var urls = cluster["nodes"]!.AsArray().Select(n => n!["url"]!.GetValue<string>()).ToList();
            var token = (await File.ReadAllTextAsync(cluster["adminTokenFile"]!.GetValue<string>())).Trim();
            using var provider = new TestProvider("deployed");
            using var first = Client(urls[0], token);
            using var second = Client(urls[1], token);
            Assert.Equal(HttpStatusCode.Created, (await first.PostAsync("/v1/admin/providers", Json(provider.Registration()))).StatusCode);
            using var submitted = await second.PostAsync("/v1/evidence", Json(provider.Single(TestProvider.NewEvidence())));
            var answer = JsonNode.Parse(await submitted.Content.ReadAsStringAsync())!;
            Assert.True(submitted.StatusCode == HttpStatusCode.OK, answer.ToJsonString());
            var logKey = JsonNode.Parse(await first.GetStringAsync("/v1/node"))!["logKey"]!.GetValue<string>();
            await Bundles.VerifyAsync(JsonNode.Parse(await first.GetStringAsync($"/v1/proofs/{answer["leafIndex"]!.GetValue<string>()}")), logKey);

            string[] audit = ["audit", "--redis", cluster["redis"]!.GetValue<string>(), "--redis-password-file", cluster["redisPasswordFile"]!.GetValue<string>(),
                "--origin", cluster["origin"]!.GetValue<string>(), "--log-key", logKey];
            var (auditExit, auditOutput, auditError) = await CliRunner.Run(audit);
            Assert.True(auditExit == 0, auditOutput + auditError);
            Assert.Contains("at size 2: entries, tiles", auditOutput, StringComparison.Ordinal);

            var (stopExit, stopOutput) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(1), "--stop", "--state", _state);
            Assert.True(stopExit == 0, stopOutput);
            Assert.Empty(DeployScript.Pids(_state));

            (exit, output) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(3), start);
            Assert.True(exit == 0, output);
            Assert.DoesNotContain("joining the Redis Cluster", output, StringComparison.Ordinal);
            (auditExit, auditOutput, auditError) = await CliRunner.Run(audit);
            Assert.True(auditExit == 0, auditOutput + auditError);
            Assert.Contains("at size 2: entries, tiles", auditOutput, StringComparison.Ordinal);
        }
        finally
        {
            var (stopExit, stopOutput) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(1), "--stop", "--state", _state);
            Assert.True(stopExit == 0, stopOutput);
        }
    }

    private static HttpClient Client(string url, string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public void Dispose()
    {
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
