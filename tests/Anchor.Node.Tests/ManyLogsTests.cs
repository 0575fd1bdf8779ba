using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Records;
using Anchor.Core.Verification;
using Anchor.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Node.Tests;

/// <summary>
/// Many logs in one cluster: created and listed by the operator, providers assigned explicitly or to the least loaded log,
/// each log's indices, checkpoints, tiles and bundles its own and verified against its own vkey only; a frozen log refuses
/// appends and stays readable; a provider moved to another log submits there.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ManyLogsTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    private static async Task<string> VerifyAgainstAsync(JsonNode? bundle, string logKey)
    {
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = TrustFile.ForLogKey(logKey) });
        return report.AllPassed ? "passed" : string.Join("\n", report.Checks.Where(c => c.Status != CheckStatus.Pass).Select(c => $"{c.Status} {c.Name}: {c.Detail}"));
    }

    /// <summary>Without a root log, nothing would anchor or time-stamp a second log: creating one is refused, the node unchanged.</summary>
    [Fact]
    public async Task A_node_without_a_root_log_refuses_a_second_log()
    {
        var a = $"lone-{_run}.test/a";
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, a, _state));
        var refused = await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = $"lone-{_run}.test/b" }, node.AdminToken);
        Assert.Equal((409, "root_log_required"), TestNode.Code(refused));
        Assert.Contains("Anchor:RootOrigin", refused.Body["detail"]!.GetValue<string>());
        var listed = (await node.GetAnonymousAsync("/v1/logs")).Body["logs"]!.AsArray();
        Assert.Equal([a], listed.Select(l => l!["origin"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Logs_are_created_assigned_and_each_verifies_against_its_own_key_only()
    {
        var a = $"many-{_run}.test/a";
        var b = $"many-{_run}.test/b";
        var c = $"many-{_run}.test/c";
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, a, _state, $"--Anchor:RootOrigin=many-{_run}.test/root"));
        var admin = node.AdminToken;
        var keyA = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        // Create, and the problems of creating.
        var (created, logB) = await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = b }, admin);
        Assert.True(created == 201, logB.ToJsonString());
        Assert.Equal("open", logB["state"]!.GetValue<string>());
        Assert.Equal("0", logB["size"]!.GetValue<string>());
        var keyB = logB["logKey"]!.GetValue<string>();
        Assert.StartsWith(b + "+", keyB, StringComparison.Ordinal);
        Assert.NotEqual(keyA, keyB);
        Assert.Equal((409, "log_exists"), TestNode.Code(await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = b }, admin)));
        Assert.Equal((409, "log_exists"), TestNode.Code(await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = a }, admin)));
        Assert.Equal((409, "log_exists"), TestNode.Code(await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = $"many-{_run}.test/root" }, admin)));
        foreach (var bad in new[] { "with space", "a+b", "x{y}", "", "/lead", "trail/", new string('o', 200) })
            Assert.Equal((400, "origin_invalid"), TestNode.Code(await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = bad }, admin)));
        Assert.Equal((403, "forbidden"), TestNode.Code(await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = c }, "not-the-token")));

        var listed = (await node.GetAnonymousAsync("/v1/logs")).Body["logs"]!.AsArray();
        Assert.Equal([a, b], listed.Select(l => l!["origin"]!.GetValue<string>()));
        Assert.Equal(keyB, listed[1]!["logKey"]!.GetValue<string>());

        // Assignment: explicit, then the least loaded (smallest size, ties by origin).
        using var pa = new TestProvider("pa-" + _run);
        using var pb = new TestProvider("pb-" + _run);
        using var pc = new TestProvider("pc-" + _run);
        using var pd = new TestProvider("pd-" + _run);
        Assert.Equal(a, await RegisterAsync(node, pa, a));
        Assert.Equal(b, await RegisterAsync(node, pb, b));
        Assert.Equal(a, await RegisterAsync(node, pc, null)); // 1 and 1 entries: the tie goes to the smaller origin.
        Assert.Equal(b, await RegisterAsync(node, pd, null)); // 2 against 1.
        Assert.Equal(b, (await node.GetAsync($"/v1/admin/providers/{pb.Id}")).Body["log"]!.GetValue<string>());
        using var px = new TestProvider("px-" + _run);
        var unknownLog = px.Registration();
        unknownLog["log"] = "nowhere.test/log";
        Assert.Equal((404, "log_unknown"), TestNode.Code(await node.PostAsync("/v1/admin/providers", unknownLog, admin)));

        // Indices are per log: each log holds two key registrations, then the record at index 2.
        var evidenceA = TestProvider.NewEvidence("contract-a");
        var evidenceB = TestProvider.NewEvidence("contract-b");
        var (sa, answerA) = await node.PostAsync("/v1/evidence?wait=checkpoint", pa.Single(evidenceA));
        var (sb, answerB) = await node.PostAsync("/v1/evidence?wait=checkpoint", pb.Single(evidenceB));
        Assert.True(sa == 200 && sb == 200, answerA.ToJsonString() + answerB.ToJsonString());
        Assert.Equal("2", answerA["leafIndex"]!.GetValue<string>());
        Assert.Equal("2", answerB["leafIndex"]!.GetValue<string>());
        Assert.Equal(a, answerA["receipt"]!["origin"]!.GetValue<string>());
        Assert.Equal(b, answerB["receipt"]!["origin"]!.GetValue<string>());
        Assert.Equal("passed", await VerifyAgainstAsync(answerB["bundle"], keyB));

        // Each log's bundle verifies against its own vkey, and is refused against the other's (untrusted log).
        var (proofB, bundleB) = await node.GetAsync($"/v1/logs/{b}/proofs/2");
        Assert.True(proofB == 200, bundleB.ToJsonString());
        Assert.Equal(pb.Id, bundleB["entry"]!["provider"]!.GetValue<string>());
        Assert.Equal(keyB, bundleB["logKey"]!.GetValue<string>());
        Assert.StartsWith(b + "\n", bundleB["checkpoint"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("passed", await VerifyAgainstAsync(bundleB, keyB));
        Assert.NotEqual("passed", await VerifyAgainstAsync(bundleB, keyA));
        var (proofA, bundleA) = await node.GetAsync("/v1/proofs/2"); // The single-log route: the default log.
        Assert.Equal(200, proofA);
        Assert.Equal(pa.Id, bundleA["entry"]!["provider"]!.GetValue<string>());
        Assert.Equal("passed", await VerifyAgainstAsync(bundleA, keyA));
        Assert.NotEqual("passed", await VerifyAgainstAsync(bundleA, keyB));
        // A bundle of log B made to look like log A's (its log key swapped in) is forged: the checkpoint is B's.
        var forged = bundleB.DeepClone();
        forged["logKey"] = keyA;
        Assert.NotEqual("passed", await VerifyAgainstAsync(forged, keyA));

        // Lookups: by hash on the log's route, by contract from the provider's log.
        var byHash = (await node.GetAsync($"/v1/logs/{b}/proofs?hash={evidenceB.Hash}")).Body["bundles"]!.AsArray();
        Assert.Equal("passed", await VerifyAgainstAsync(Assert.Single(byHash), keyB));
        Assert.Empty((await node.GetAsync($"/v1/proofs?hash={evidenceB.Hash}")).Body["bundles"]!.AsArray());
        var byContract = (await node.GetAsync($"/v1/contracts/contract-b/proofs?provider={pb.Id}")).Body["bundles"]!.AsArray();
        Assert.Equal("passed", await VerifyAgainstAsync(Assert.Single(byContract), keyB));

        // Checkpoint, tiles and consistency per log, public.
        var checkpointB = await node.Http.GetStringAsync($"/v1/logs/{b}/checkpoint");
        var parsed = Checkpoint.Verify(checkpointB, VerifierKey.Parse(keyB));
        Assert.Equal(3UL, parsed.Size);
        Assert.ThrowsAny<NoteError>(() => Checkpoint.Verify(checkpointB, VerifierKey.Parse(keyA)));
        var tile = await node.Http.GetByteArrayAsync($"/v1/logs/{b}/tile/0/000.p/3");
        Assert.Equal(96, tile.Length);
        Assert.Equal("3", (await node.GetAnonymousAsync($"/v1/logs/{b}/consistency?from=1")).Body["to"]!.GetValue<string>());
        Assert.Equal((404, "log_unknown"), TestNode.Code(await node.GetAnonymousAsync("/v1/logs/nowhere.test/log/checkpoint")));
        Assert.Equal((404, "not_found"), TestNode.Code(await node.GetAnonymousAsync($"/v1/logs/{b}/nothing")));

        // A retry is answered from the log it went to: same leaf, nothing new.
        var (retried, retry) = await node.PostAsync("/v1/evidence", pb.Single(evidenceB));
        Assert.Equal(200, retried);
        Assert.Equal("2", retry["leafIndex"]!.GetValue<string>());

        // A record of log B's provider never lands in log A: A's sequencer refuses it.
        var stray = VerifiedRecord.Single(pb.Id, pb.KeyId, CanonicalEvidence.Of(TestProvider.NewEvidence()), "c2ln", 0, "2026-11-30T00:00:00.000Z", null, b);
        var misrouted = await Assert.ThrowsAsync<RecordRefusedException>(() =>
            node.Services.GetRequiredService<IGrainFactory>().GetGrain<ISequencerGrain>(a).Append([stray]));
        Assert.Equal(ErrorCodes.LogMismatch, misrouted.Code);
        Assert.Equal("3", (await node.GetAnonymousAsync($"/v1/logs/{a}")).Body["size"]!.GetValue<string>());

        // Freeze B at its size: appends refused, reads served; a second freeze changes nothing.
        var (frozen, frozenB) = await node.PostAsync($"/v1/admin/logs/{b}/freeze", new JsonObject(), admin);
        Assert.True(frozen == 200, frozenB.ToJsonString());
        Assert.Equal("frozen", frozenB["state"]!.GetValue<string>());
        Assert.Equal("3", frozenB["frozenSize"]!.GetValue<string>());
        Assert.Equal("3", (await node.PostAsync($"/v1/admin/logs/{b}/freeze", new JsonObject(), admin)).Body["frozenSize"]!.GetValue<string>());
        Assert.Equal((409, "log_frozen"), TestNode.Code(await node.PostAsync("/v1/evidence", pb.Single(TestProvider.NewEvidence()))));
        Assert.Equal((409, "log_frozen"), TestNode.Code(await node.PostAsync("/v1/evidence/batch", pd.Batch([TestProvider.NewEvidence()]))));
        using var pe = new TestProvider("pe-" + _run);
        var onFrozen = pe.Registration();
        onFrozen["log"] = b;
        Assert.Equal((409, "log_frozen"), TestNode.Code(await node.PostAsync("/v1/admin/providers", onFrozen, admin)));
        Assert.Equal(a, await RegisterAsync(node, pe, null)); // The least loaded open log: B is frozen.
        Assert.Equal("passed", await VerifyAgainstAsync((await node.GetAsync($"/v1/logs/{b}/proofs/2")).Body, keyB));
        Assert.Equal(3UL, Checkpoint.Verify(await node.Http.GetStringAsync($"/v1/logs/{b}/checkpoint"), VerifierKey.Parse(keyB)).Size);
        Assert.Equal((404, "log_unknown"), TestNode.Code(await node.PostAsync("/v1/admin/logs/nowhere.test/log/freeze", new JsonObject(), admin)));

        // Move B's provider to a new log C: its key is registered there, and its records go there; the nonce it used in B is
        // new in C (deduplication is per log).
        var (createdC, logC) = await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = c }, admin);
        Assert.Equal(201, createdC);
        var keyC = logC["logKey"]!.GetValue<string>();
        Assert.Equal((409, "log_frozen"), TestNode.Code(await node.PostAsync($"/v1/admin/providers/{pa.Id}/move", new JsonObject { ["log"] = b }, admin)));
        var (moved, movedPb) = await node.PostAsync($"/v1/admin/providers/{pb.Id}/move", new JsonObject { ["log"] = c }, admin);
        Assert.True(moved == 200, movedPb.ToJsonString());
        Assert.Equal(c, movedPb["log"]!.GetValue<string>());
        var (again, inC) = await node.PostAsync("/v1/evidence?wait=checkpoint", pb.Single(evidenceB));
        Assert.True(again == 200, inC.ToJsonString());
        Assert.Equal(c, inC["receipt"]!["origin"]!.GetValue<string>());
        Assert.Equal("1", inC["leafIndex"]!.GetValue<string>()); // Entry 0 of C is pb's key registration.
        Assert.Equal("passed", await VerifyAgainstAsync(inC["bundle"], keyC));
        Assert.Equal("0", inC["bundle"]!["keyEntry"]!["leafIndex"]!.GetValue<string>());
        Assert.NotEqual("passed", await VerifyAgainstAsync(inC["bundle"], keyB));

        // Status lists every log with its sequencer.
        var status = (await node.GetAsync("/v1/admin/status")).Body["logs"]!.AsArray();
        Assert.Equal([a, b, c], status.Select(l => l!["origin"]!.GetValue<string>()));
        Assert.Equal(["open", "frozen", "open"], status.Select(l => l!["state"]!.GetValue<string>()));
        Assert.All(status, l => Assert.Equal("ready", l!["sequencer"]!.GetValue<string>()));

        // The audit covers every log of the cluster, each under its own key; --log picks one.
        var (exit, output, error) = await CliRunner.Run("audit", "--redis", redis.Connection, "--origin", a, "--log-key", keyA);
        Assert.True(exit == 0, output + error);
        Assert.Contains($"audit of {a} at size 4: entries, tiles,", output, StringComparison.Ordinal);
        Assert.Contains($"audit of {b} at size 3: entries, tiles,", output, StringComparison.Ordinal);
        Assert.Contains($"audit of {c} at size 2: entries, tiles,", output, StringComparison.Ordinal);
        var (oneExit, one, oneError) = await CliRunner.Run("audit", "--redis", redis.Connection, "--origin", a, "--log", b, "--log-key", keyA);
        Assert.True(oneExit == 0, one + oneError);
        Assert.DoesNotContain($"audit of {a}", one, StringComparison.Ordinal);
        Assert.Contains($"audit of {b} at size 3", one, StringComparison.Ordinal);

        // The CLI lists, creates and freezes logs through the node.
        var url = node.Http.BaseAddress!.ToString().TrimEnd('/');
        var tokenFile = Path.Combine(_state, NodeState.AdminTokenFile);
        var d = $"many-{_run}.test/d";
        var (created2, createdOut, createdErr) = await CliRunner.Run("logs", "create", "--node", url, "--admin-token-file", tokenFile, "--origin", d);
        Assert.True(created2 == 0, createdOut + createdErr);
        Assert.StartsWith($"created {d}\tsize 0\topen\t{d}+", createdOut, StringComparison.Ordinal);
        var (frozeExit, frozeOut, frozeErr) = await CliRunner.Run("logs", "freeze", "--node", url, "--admin-token-file", tokenFile, "--origin", d);
        Assert.True(frozeExit == 0, frozeOut + frozeErr);
        Assert.Contains("frozen at 0", frozeOut, StringComparison.Ordinal);
        var (listExit, listOut, _) = await CliRunner.Run("logs", "list", "--node", url, "--admin-token-file", tokenFile);
        Assert.Equal(0, listExit);
        Assert.Equal([a, b, c, d], listOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')[0]));
        var (dupExit, _, dupErr) = await CliRunner.Run("logs", "create", "--node", url, "--admin-token-file", tokenFile, "--origin", d);
        Assert.NotEqual(0, dupExit);
        Assert.Contains("log_exists", dupErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_freeze_under_load_records_the_last_size_and_every_acknowledged_record_is_below_it()
    {
        var a = $"freeze-{_run}.test/a";
        var f = $"freeze-{_run}.test/f";
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, a, _state, $"--Anchor:RootOrigin=freeze-{_run}.test/root",
            "--Anchor:RateLimit:PermitsPerSecond=100000", "--Anchor:RateLimit:Burst=100000"));
        Assert.Equal(201, (await node.PostAsync("/v1/admin/logs", new JsonObject { ["origin"] = f }, node.AdminToken)).Status);
        using var provider = new TestProvider("pf-" + _run);
        Assert.Equal(f, await RegisterAsync(node, provider, f));

        // Four clients submit without pause; the freeze comes in the middle of it.
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        var refusals = new System.Collections.Concurrent.ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (status, answer) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
                if (status == 200) acknowledged.Add(ulong.Parse(answer["leafIndex"]!.GetValue<string>()));
                else
                {
                    refusals.Add(answer["code"]!.GetValue<string>());
                    if (answer["code"]!.GetValue<string>() == "log_frozen") return;
                }
            }
        })).ToList();
        await Task.Delay(1500);
        var (frozen, log) = await node.PostAsync($"/v1/admin/logs/{f}/freeze", new JsonObject(), node.AdminToken);
        Assert.True(frozen == 200, log.ToJsonString());
        stop.CancelAfter(TimeSpan.FromSeconds(10));
        await Task.WhenAll(clients);

        var frozenSize = ulong.Parse(log["frozenSize"]!.GetValue<string>());
        Assert.True(acknowledged.Count > 0, "nothing was acknowledged before the freeze");
        Assert.All(acknowledged, i => Assert.True(i < frozenSize, $"leaf {i} acknowledged at or beyond the frozen size {frozenSize}"));
        Assert.All(refusals, code => Assert.Equal("log_frozen", code));
        Assert.Equal(4, refusals.Count); // Every client ended on log_frozen, none by the timeout.
        // The log stopped where the freeze says, and stays there.
        await Task.Delay(500);
        Assert.Equal(frozenSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            (await node.GetAnonymousAsync($"/v1/logs/{f}")).Body["size"]!.GetValue<string>());
        var keyF = (await node.GetAnonymousAsync($"/v1/logs/{f}")).Body["logKey"]!.GetValue<string>();
        Assert.Equal(frozenSize, Checkpoint.Verify(await node.Http.GetStringAsync($"/v1/logs/{f}/checkpoint"), VerifierKey.Parse(keyF)).Size);
        Assert.Equal((409, "log_frozen"), TestNode.Code(await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))));
    }

    private static async Task<string> RegisterAsync(TestNode node, TestProvider provider, string? log)
    {
        var registration = provider.Registration();
        if (log is not null) registration["log"] = log;
        var (status, body) = await node.PostAsync("/v1/admin/providers", registration, node.AdminToken);
        Assert.True(status == 201, $"register {provider.Id}: {status} {body.ToJsonString()}");
        return body["log"]!.GetValue<string>();
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
