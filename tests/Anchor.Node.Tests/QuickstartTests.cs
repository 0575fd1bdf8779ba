using System.Text.Json.Nodes;
using Anchor.Chain.Tests;
using Anchor.Core.Tests.Cli;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// deploy/quickstart.sh as the README runs it: Redis, anvil, the registry, the development TSA and a node, detached,
/// with its demo (a record sealed by the chain and the TSA, verified against the node's trust entry, its token checked
/// by `openssl ts -verify` against the root node.json names); then the README's tour with the real CLI (provider,
/// submit --wait seal, verify against the chain and the TSA), an audit, --stop by pid, and a second run on the same
/// folder that resumes the same log and chain.
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class QuickstartTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-quickstart-").FullName;

    [Fact]
    public async Task Quickstart_detached_serves_a_node_that_accepts_and_proves_a_record_and_stop_ends_it()
    {
        var port = RedisServer.FreePort();
        var redisPort = RedisServer.FreePort();
        var operatorPort = RedisServer.FreePort();
        string[] args =
        [
            "--detach", "--no-build", "--state", _state, "--port", port.ToString(),
            "--redis-port", redisPort.ToString(), "--anvil-port", RedisServer.FreePort().ToString(),
            "--silo-port", RedisServer.FreePort().ToString(), "--gateway-port", RedisServer.FreePort().ToString(),
            "--operator-port", operatorPort.ToString(),
        ];
        var (exit, output) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(3), args);
        Dictionary<string, int> pids = [];
        try
        {
            Assert.True(exit == 0, output);
            pids = DeployScript.Pids(_state);
            Assert.Equal(["anvil", "node", "redis", "tsa"], pids.Keys.Order());
            // The demo: verified VALID against the node's trust entry, and its time-stamp accepted by OpenSSL.
            Assert.Contains("verdict: VALID: ", output, StringComparison.Ordinal);
            Assert.Matches(@"when: +TSA dev-tsa genTime \S+Z UTC = .+ China Standard Time \(UTC\+8\)", output);
            Assert.Contains("Verification: OK", output, StringComparison.Ordinal);

            var info = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "node.json")))!;
            var tsa = info["tsa"]!.AsArray().Single()!;
            Assert.Equal("dev-tsa", tsa["name"]!.GetValue<string>());
            Assert.Contains("no court accepts", tsa["note"]!.GetValue<string>(), StringComparison.Ordinal);
            // The demo's document stays beside its bundle, one folder per run.
            var demoDir = Assert.Single(Directory.GetDirectories(Path.Combine(_state, "demo")));
            Assert.True(File.Exists(Path.Combine(demoDir, "contract.txt")));
            var demo = Anchor.Core.Records.ProofBundle.FromJson(JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(demoDir, "bundle.json"))));
            var token = Convert.FromBase64String(demo.Timestamps.Single(t => t.Tsa == "dev-tsa").Token);
            var digest = Anchor.Core.Timestamping.TsaHashAlg.CheckpointImprint("sha256", demo.Checkpoint);
            var (verified, openssl) = await Anchor.Core.Tests.Timestamping.OpenSslTs.VerifyAsync(token, digest, tsa["root"]!.GetValue<string>());
            Assert.True(verified == 0, openssl);
            Assert.Equal(demo.TreeSize, demo.Anchors.Single().TreeSize);
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

            // The README's tour, with the real CLI against the node the script started.
            var url = info["url"]!.GetValue<string>();
            var tokenFile = info["adminTokenFile"]!.GetValue<string>();
            var logKey = info["logKey"]!.GetValue<string>();
            var trust = info["trustFile"]!.GetValue<string>();
            var rpc = $"31337={chain["rpc"]}";
            var key = Path.Combine(_state, "acme.key");
            var bundle = Path.Combine(_state, "bundle.json");
            var document = Path.Combine(RepoRoot.Path, "README.md");
            await Cli(0, "keygen", "--alg", "ed25519", "--out", key);
            await Cli(0, "admin", "provider", "add", "--node", url, "--admin-token-file", tokenFile, "--id", "acme", "--name", "Acme e-contracts", "--key", key, "--key-id", "acme-1");
            var adminToken = (await File.ReadAllTextAsync(tokenFile)).Trim();
            // A record kept at its checkpoint only, to be upgraded in place once sealed.
            var early = Path.Combine(_state, "early.json");
            await Cli(0, "submit", "--node", url, "--provider", "acme", "--key", key, "--key-id", "acme-1", "--file", document,
                "--contract", "c-41", "--kind", "contract.document", "--wait", "checkpoint", "-o", early, "--token", adminToken);
            await Cli(0, "submit", "--node", url, "--provider", "acme", "--key", key, "--key-id", "acme-1", "--file", document,
                "--contract", "c-42", "--kind", "contract.document", "--wait", "seal", "--timeout", "60", "-o", bundle, "--token", adminToken);
            await AssertUpgradeAsync(url, adminToken, early, document, trust, $"31337={chain["rpc"]}", info["origin"]!.GetValue<string>());
            // The trust file the script wrote is the node's own entry, and the provider-roots folder exists.
            Assert.Equal(JsonNode.Parse(await http.GetStringAsync("/v1/trust"))!.ToJsonString(), JsonNode.Parse(await File.ReadAllTextAsync(trust))!.ToJsonString());
            Assert.True(Directory.Exists(info["providerRootsDir"]!.GetValue<string>()));
            var verdict = await Cli(0, "verify", bundle, "--file", document, "--trust", trust, "--rpc", rpc);
            Assert.Contains("verdict: VALID:", verdict, StringComparison.Ordinal);
            Assert.Contains("✓ tsa dev-tsa trusted root", verdict, StringComparison.Ordinal);
            // Without a trust root the same bundle is not called valid.
            Assert.Contains("verdict: UNVERIFIED", await Cli(3, "verify", bundle, "--file", document), StringComparison.Ordinal);

            // The anchoring gauges on the operator port follow the chain (sampled every 5 s).
            using (var ops = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{operatorPort}") })
            {
                var anchored = "";
                for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline && anchored != "5"; await Task.Delay(500))
                    anchored = (await ops.GetStringAsync("/metrics")).Split('\n')
                        .FirstOrDefault(l => l.StartsWith("anchor_anchoring_anchored_size{", StringComparison.Ordinal) && l.Contains("chain=\"local\"", StringComparison.Ordinal))
                        ?.Split('}')[1].Trim().Split(' ')[0] ?? "";
                Assert.Equal("5", anchored); // The demo's key registration and record, and the tour's three.
            }

            // Secrets at rest: the state folder and what the node, Redis and anvil wrote there are the operator's only, and
            // Redis wants the generated password, which no log shows.
            var passwordFile = info["redisPasswordFile"]!.GetValue<string>();
            var password = (await File.ReadAllTextAsync(passwordFile)).Trim();
            Assert.Equal(48, password.Length);
            AssertPrivate(_state, Path.Combine(_state, "node"), Path.Combine(_state, "redis"), Path.Combine(_state, "redis", "appendonlydir"), Path.Combine(_state, "node", "witness"));
            AssertPrivate(passwordFile, Path.Combine(_state, "redis.conf"), Path.Combine(_state, "node.log"), Path.Combine(_state, "redis.log"),
                Path.Combine(_state, "anvil-state.json"), Path.Combine(_state, "chain-key"), Path.Combine(_state, "node", NodeState.LogKeyFile), tokenFile);
            foreach (var f in Directory.GetFiles(Path.Combine(_state, "redis", "appendonlydir")).Concat(Directory.GetFiles(Path.Combine(_state, "node", "witness")))) AssertPrivate(f);
            // Without the password Redis answers nothing but NOAUTH (spoken to raw, as any client on the host could).
            using (var anonymous = new System.Net.Sockets.TcpClient())
            {
                await anonymous.ConnectAsync(System.Net.IPAddress.Loopback, redisPort);
                var stream = anonymous.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var answer = new byte[64];
                var read = await stream.ReadAsync(answer);
                Assert.StartsWith("-NOAUTH", System.Text.Encoding.ASCII.GetString(answer, 0, read), StringComparison.Ordinal);
            }

            // The audit agrees with everything, anchors included; an anchor record edited in Redis is named.
            string[] audit = ["audit", "--redis", $"127.0.0.1:{redisPort}", "--redis-password-file", passwordFile, "--origin", info["origin"]!.GetValue<string>(), "--trust", trust, "--rpc", rpc];
            Assert.Contains(" time-stamp(s) and indexes agree", await Cli(0, audit), StringComparison.Ordinal);
            using var connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort},password={password}");
            var db = connection.GetDatabase();
            var records = new Anchor.Storage.LogKeys(info["origin"]!.GetValue<string>()).Full("anchors/local");
            var confirmed = (await db.HashGetAllAsync(records)).First(r => JsonNode.Parse((string)r.Value!)!["state"]!.GetValue<string>() == "confirmed");
            var edited = JsonNode.Parse((string)confirmed.Value!)!;
            var root = edited["root"]!.GetValue<string>();
            edited["root"] = (root[0] == 'a' ? "b" : "a") + root[1..];
            await db.HashSetAsync(records, confirmed.Name, edited.ToJsonString());
            var (auditExit, json, error) = await CliRunner.Run([.. audit, "--json"]);
            Assert.True(auditExit == 1, json + error);
            Assert.Equal([$"anchor local/{edited["treeSize"]}"], JsonNode.Parse(json)!["findings"]!.AsArray().Select(f => f!["subject"]!.GetValue<string>()).Distinct());
            await db.HashSetAsync(records, confirmed.Name, confirmed.Value);
            var logs = output + await File.ReadAllTextAsync(Path.Combine(_state, "node.log"));
            Assert.DoesNotContain((await File.ReadAllTextAsync(tokenFile)).Trim(), logs, StringComparison.Ordinal);
            Assert.DoesNotContain(password, logs, StringComparison.Ordinal);
            // A clean start logs no failure: the anchoring starter waits for the silo (it logged "No active nodes are
            // compatible with grain chainanchor" stack traces as `fail:` when it called the grain before the silo was up).
            Assert.DoesNotContain("\nfail: ", await File.ReadAllTextAsync(Path.Combine(_state, "node.log")), StringComparison.Ordinal);

            await StopAsync();
            foreach (var (name, pid) in pids) Assert.False(DeployScript.Alive(pid), $"{name} (pid {pid}) still runs after --stop");

            // Again with the same folder and no ports given: the same log on the same chain, with its record and anchor.
            (exit, output) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(3), "--detach", "--no-demo", "--no-build", "--state", _state);
            Assert.True(exit == 0, output);
            var resumed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "node.json")))!;
            Assert.Equal(info.ToJsonString(), resumed.ToJsonString());
            Assert.Equal("5", (await http.GetStringAsync("/checkpoint")).Split('\n')[1]);
            // Entries are private: the operator reads them with the admin token. Entry 4 is the tour's sealed record.
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
            var again = JsonNode.Parse(await http.GetStringAsync("/v1/proofs/4"))!;
            Assert.Equal(JsonNode.Parse(await File.ReadAllTextAsync(bundle))!["leafHash"]!.GetValue<string>(), again["leafHash"]!.GetValue<string>());
            Assert.NotEmpty(again["anchors"]!.AsArray());
        }
        finally
        {
            await StopAsync();
        }
    }

    /// <summary>
    /// Something else holds the API port (another node once did): the script names the port and starts nothing, instead
    /// of reporting the other process as its node and writing that one's log key into node.json.
    /// </summary>
    [Fact]
    public async Task Quickstart_refuses_a_port_another_process_holds_and_reports_no_success()
    {
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        squatter.Start();
        var taken = ((System.Net.IPEndPoint)squatter.LocalEndpoint).Port;
        var (exit, output) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(2),
            "--detach", "--no-build", "--no-demo", "--state", _state, "--port", taken.ToString());
        Assert.True(exit == 1, output);
        Assert.Contains($"in use by another process: node port {taken}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Anchor is running", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_state, "node.json")));
        Assert.Empty(DeployScript.Pids(_state));

        // The operator port too (a listener on any port of the run is found before anything starts).
        var (again, second) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(2),
            "--detach", "--no-build", "--no-demo", "--state", _state, "--port", RedisServer.FreePort().ToString(), "--operator-port", taken.ToString());
        Assert.True(again == 1, second);
        Assert.Contains($"operator port {taken}", second, StringComparison.Ordinal);
        Assert.Empty(DeployScript.Pids(_state));
    }

    /// <summary>A quickstart in the foreground that is stopped on purpose by --stop says so and exits 0 (it said "the node exited" and 1).</summary>
    [Fact]
    public async Task Quickstart_in_the_foreground_exits_0_after_a_deliberate_stop()
    {
        var foreground = DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(3), "--no-build", "--no-demo", "--state", _state,
            "--port", RedisServer.FreePort().ToString(), "--operator-port", RedisServer.FreePort().ToString());
        var nodeJson = Path.Combine(_state, "node.json");
        for (var deadline = DateTime.UtcNow.AddMinutes(2); !File.Exists(nodeJson) && !foreground.IsCompleted; await Task.Delay(500))
            Assert.True(DateTime.UtcNow < deadline, "the quickstart did not write node.json in 2 minutes");
        if (foreground.IsCompleted) Assert.Fail("the quickstart ended before --stop:\n" + (await foreground).Output);
        await Task.Delay(2000); // into its foreground wait
        await StopAsync();
        var (exit, output) = await foreground;
        Assert.True(exit == 0, output);
        Assert.Contains("stopped (by ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("the node exited", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// `anchor info` summarizes a checkpoint-only bundle without verifying it; `anchor proof --upgrade` replaces it by the
    /// sealed bundle of the same entry only when that verifies against the trust file, and leaves it alone otherwise.
    /// </summary>
    private static async Task AssertUpgradeAsync(string url, string token, string early, string document, string trust, string rpc, string origin)
    {
        var summary = await Cli(0, "info", early);
        Assert.StartsWith("not verified:", summary, StringComparison.Ordinal);
        Assert.Matches(@"anchors: +none", summary);
        Assert.Contains("c-41 (contract.document)", summary, StringComparison.Ordinal);
        var before = await File.ReadAllBytesAsync(early);
        string[] upgrade = ["proof", "--upgrade", early, "--node", url, "--token", token];

        // No trust root: nothing is rewritten unverified. A log key that did not sign it: refused.
        await Cli(2, upgrade);
        using var stranger = Anchor.Core.Checkpoints.NoteSigner.Generate(origin);
        var (exit, output, error) = await CliRunner.Run([.. upgrade, "--log-key", stranger.VerifierKey.ToString()]);
        Assert.True(exit == 1, output + error);
        Assert.Contains("does not verify", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(early));
        // A bundle of another entry (its leaf hash edited): the node's leaf is not it.
        var forged = JsonNode.Parse(before)!;
        var leafHash = forged["leafHash"]!.GetValue<string>();
        forged["leafHash"] = (leafHash[0] == 'a' ? "b" : "a") + leafHash[1..];
        var forgedPath = early + ".forged";
        await File.WriteAllTextAsync(forgedPath, forged.ToJsonString());
        (exit, _, error) = await CliRunner.Run(["proof", "--upgrade", forgedPath, "--node", url, "--token", token, "--trust", trust]);
        Assert.True(exit == 1 && error.Contains("not the same entry", StringComparison.Ordinal), error);

        // Against the trust file: upgraded, verified, and done once.
        Assert.Contains("upgraded to tree size", await Cli(0, [.. upgrade, "--trust", trust, "--rpc", rpc]), StringComparison.Ordinal);
        Assert.Contains("verdict: VALID:", await Cli(0, "verify", early, "--file", document, "--trust", trust, "--rpc", rpc), StringComparison.Ordinal);
        Assert.Matches(@"anchors: +chain 31337 block \d+", await Cli(0, "info", early));
        Assert.Contains("already up to date", await Cli(0, [.. upgrade, "--trust", trust]), StringComparison.Ordinal);
    }

    private async Task StopAsync()
    {
        var (exit, output) = await DeployScript.RunAsync("quickstart.sh", TimeSpan.FromMinutes(1), "--stop", "--state", _state);
        Assert.True(exit == 0, output);
    }

    /// <summary>Files 0600, folders 0700: nobody but the operator reads keys, tokens, the password, the AOF or the logs.</summary>
    private static void AssertPrivate(params string[] paths)
    {
        if (OperatingSystem.IsWindows()) return;
        foreach (var path in paths)
        {
            var want = Directory.Exists(path) ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.True(File.GetUnixFileMode(path) == want, $"{path} is {File.GetUnixFileMode(path)}, want {want}");
        }
    }

    private static async Task<string> Cli(int expectedExit, params string[] args)
    {
        var (exit, output, error) = await CliRunner.Run(args);
        Assert.True(exit == expectedExit, $"anchor {string.Join(' ', args)}: exit {exit}\n{output}\n{error}");
        return output;
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
