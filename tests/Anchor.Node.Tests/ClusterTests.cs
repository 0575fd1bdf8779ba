using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Xunit.Abstractions;

namespace Anchor.Node.Tests;

/// <summary>
/// deploy/cluster.sh with three silos; the silo that runs the sequencer is killed with SIGKILL while
/// clients keep submitting. Every acknowledged record must be in the log and verify, the survivors must
/// keep serving, and the sequencer must come back on a survivor.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class ClusterTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-cluster-").FullName;

    /// <summary>
    /// Orleans declares a silo dead after NumMissedProbesLimit probes of ProbeTimeout each, voted by
    /// NumVotesForDeathDeclaration silos (defaults 3 × 5 s, 2 votes). Shorter for the test; see docs/operations.md.
    /// </summary>
    private static readonly Dictionary<string, string> FastMembership = new()
    {
        ["Anchor__Silo__Membership__ProbeTimeout"] = "00:00:01",
        ["Anchor__Silo__Membership__NumMissedProbesLimit"] = "2",
        ["Anchor__Silo__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Anchor__Silo__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
        ["Anchor__Sequencer__PeriodMilliseconds"] = "50",
        ["Anchor__RateLimit__ClientPermitsPerSecond"] = "1000000",
        ["Anchor__RateLimit__ClientBurst"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task Killing_the_sequencer_silo_loses_no_acknowledged_record_and_the_survivors_take_over()
    {
        var basePort = FreeRange(3);
        var (exit, output) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(3), FastMembership,
            "--detach", "--no-build", "--nodes", "3", "--state", _state, "--base-port", basePort.ToString(CultureInfo.InvariantCulture));
        try
        {
            Assert.True(exit == 0, output);
            var cluster = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "cluster.json")))!;
            var nodes = cluster["nodes"]!.AsArray().Select(n => (Url: n!["url"]!.GetValue<string>(), OperatorUrl: n["operatorUrl"]!.GetValue<string>(),
                SiloPort: n["siloPort"]!.GetValue<int>(), Pid: n["pid"]!.GetValue<int>())).ToList();
            var clients = nodes.Select(n => new HttpClient { BaseAddress = new Uri(n.Url), Timeout = TimeSpan.FromSeconds(10) }).ToList();
            var operators = nodes.Select(n => new HttpClient { BaseAddress = new Uri(n.OperatorUrl), Timeout = TimeSpan.FromSeconds(10) }).ToList();
            var token = (await File.ReadAllTextAsync(cluster["adminTokenFile"]!.GetValue<string>())).Trim();
            using var provider = new TestProvider("cluster");
            using (var register = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/providers") { Content = Json(provider.Registration()) })
            {
                register.Headers.Authorization = new("Bearer", token);
                Assert.Equal(HttpStatusCode.Created, (await clients[0].SendAsync(register)).StatusCode);
            }

            // The silo that runs the sequencer, as every node reports it.
            var sequencerSilo = JsonNode.Parse(await operators[0].GetStringAsync("/healthz"))!["sequencerSilo"]!.GetValue<string>();
            var victim = nodes.FindIndex(n => sequencerSilo.Contains($":{n.SiloPort}:", StringComparison.Ordinal));
            Assert.True(victim >= 0, $"sequencer on {sequencerSilo}, none of {string.Join(", ", nodes.Select(n => n.SiloPort))}");
            var survivors = Enumerable.Range(0, nodes.Count).Where(i => i != victim).ToList();

            // Four clients submit without pause, round robin over the nodes, retrying the same record until it is acknowledged.
            var acked = new List<(JsonObject Answer, Evidence Evidence, DateTime At)>();
            var killedAt = DateTime.MaxValue;
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                var turn = w;
                while (!stop.IsCancellationRequested)
                {
                    var evidence = TestProvider.NewEvidence("contract-" + w);
                    var body = provider.Single(evidence);
                    while (!stop.IsCancellationRequested)
                    {
                        var client = clients[turn++ % clients.Count];
                        try
                        {
                            using var response = await client.PostAsync("/v1/evidence", Json(body));
                            if (response.StatusCode == HttpStatusCode.OK)
                            {
                                var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
                                lock (acked) acked.Add((answer, evidence, DateTime.UtcNow));
                                break;
                            }
                            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { } // The dead node, or a call that hung on it.
                        await Task.Delay(20);
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromSeconds(3));
            int before;
            lock (acked) before = acked.Count;
            Assert.True(before > 0, "nothing was acknowledged before the kill");
            killedAt = DateTime.UtcNow;
            using (var kill = Process.Start("kill", ["-9", nodes[victim].Pid.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
                Assert.Equal(0, kill.ExitCode);
            }
            log.WriteLine($"killed node {victim} (pid {nodes[victim].Pid}, sequencer silo) after {before} acknowledged records");

            // Keep going until the survivors have acknowledged records for a while after the kill.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            DateTime? firstAfter = null;
            while (DateTime.UtcNow < deadline)
            {
                lock (acked) firstAfter = acked.Where(a => a.At > killedAt.AddSeconds(0.5)).Select(a => (DateTime?)a.At).Min();
                if (firstAfter is { } f && DateTime.UtcNow > f.AddSeconds(3)) break;
                await Task.Delay(200);
            }
            stop.Cancel();
            await Task.WhenAll(workers);
            Assert.True(firstAfter is not null, "the survivors acknowledged nothing within 60 s of the kill");
            log.WriteLine($"acknowledged {acked.Count} records; first acknowledgement after the kill: {(firstAfter!.Value - killedAt).TotalSeconds:0.0} s");

            // The sequencer lives on a survivor now, and every survivor serves.
            foreach (var s in survivors)
            {
                var health = JsonNode.Parse(await operators[s].GetStringAsync("/healthz"))!;
                Assert.DoesNotContain($":{nodes[victim].SiloPort}:", health["sequencerSilo"]!.GetValue<string>(), StringComparison.Ordinal);
            }

            // Every acknowledged record is in the log under its receipt, and its bundle verifies (read as the operator: entries are private).
            foreach (var client in clients) client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            var logKey = JsonNode.Parse(await clients[survivors[0]].GetStringAsync("/v1/node"))!["logKey"]!.GetValue<string>();
            var indices = new HashSet<string>();
            foreach (var (answer, evidence, _) in acked)
            {
                var leaf = answer["leafIndex"]!.GetValue<string>();
                Assert.True(indices.Add(leaf), $"leaf {leaf} acknowledged twice");
                var bundle = JsonNode.Parse(await clients[survivors[indices.Count % survivors.Count]].GetStringAsync($"/v1/proofs/{leaf}"))!;
                Assert.Equal(answer["leafHash"]!.GetValue<string>(), bundle["leafHash"]!.GetValue<string>());
                Assert.Equal(evidence.Nonce, bundle["entry"]!["evidence"]!["nonce"]!.GetValue<string>());
                await Bundles.VerifyAsync(bundle, logKey);
            }

            // And the whole log, recomputed from Redis, agrees with its tiles, checkpoints and indexes.
            var (auditExit, auditOutput, auditError) = await CliRunner.Run("audit", "--redis", cluster["redis"]!.GetValue<string>(),
                "--redis-password-file", cluster["redisPasswordFile"]!.GetValue<string>(), "--origin", cluster["origin"]!.GetValue<string>(), "--log-key", logKey);
            Assert.True(auditExit == 0, auditOutput + auditError);
            log.WriteLine(auditOutput.Trim());
            foreach (var c in clients) c.Dispose();
        }
        finally
        {
            var (stopExit, stopOutput) = await DeployScript.RunAsync("cluster.sh", TimeSpan.FromMinutes(1), "--stop", "--state", _state);
            Assert.True(stopExit == 0, stopOutput);
        }
    }

    /// <summary>A start port whose next <paramref name="count"/> ports are free now.</summary>
    private static int FreeRange(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var start = RedisServer.FreePort();
            if (start + count > 65000) continue;
            var listeners = new List<System.Net.Sockets.TcpListener>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, start + i);
                    l.Start();
                    listeners.Add(l);
                }
                return start;
            }
            catch (System.Net.Sockets.SocketException) { }
            finally
            {
                foreach (var l in listeners) l.Stop();
            }
        }
        throw new InvalidOperationException("no range of free ports");
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
