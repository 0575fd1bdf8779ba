using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Tests.Cli;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>`anchor audit` against a real log in a real Redis, before and after editing Redis behind the node's back.</summary>
[Collection(NodeCollection.Name)]
public sealed class AuditTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Audit_names_exactly_the_edited_entry_and_then_the_edited_tile()
    {
        const string origin = "audit.test/log";
        string logKey;
        await using (var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, origin, _state)))
        {
            logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
            using var provider = new TestProvider("auditor");
            await provider.RegisterAsync(node);
            // 300 entries: a full leaf tile, a partial one, and the level-1 tile above them.
            var records = Enumerable.Range(0, 299).Select(_ => TestProvider.NewEvidence()).ToList();
            Assert.Equal(200, (await node.PostAsync("/v1/evidence/batch", provider.Batch(records))).Status);
            Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence("contract-7")))).Status);
        }
        string[] audit = ["audit", "--redis", redis.Connection, "--origin", origin, "--log-key", logKey];

        var (exit, output, error) = await CliRunner.Run(audit);
        Assert.True(exit == 0, output + error);
        Assert.Contains("at size 301: entries, tiles, 1 checkpoint(s), 0 anchor(s), 0 time-stamp(s) and indexes agree", output, StringComparison.Ordinal);

        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var db = connection.GetDatabase();
        var keys = new LogKeys(origin);

        // One character of entry 300's contractId: "contract-7" becomes "contract-8".
        var entryKey = keys.Full(LogKeys.EntryBundle(300));
        var original = (byte[])(await db.HashGetAsync(entryKey, LogKeys.EntryField(300)))!;
        // Stored entries are packed (EntryCodec) but keep text like this literally: edit the byte.
        var at = original.AsSpan().IndexOf("\"contract-7\""u8);
        Assert.True(at >= 0);
        var edited = original.ToArray();
        edited[at + "\"contract-"u8.Length] = (byte)'8';
        await db.HashSetAsync(entryKey, LogKeys.EntryField(300), edited);
        Assert.Equal(["entry 300"], await SubjectsAsync(audit));

        // Put the entry back and flip one bit of hash 5 in leaf tile 0/0 instead.
        await db.HashSetAsync(entryKey, LogKeys.EntryField(300), original);
        var tileKey = keys.Full(LogKeys.Tile(0, 0));
        var tile = (byte[])(await db.StringGetAsync(tileKey))!;
        tile[5 * 32 + 7] ^= 0x10;
        await db.StringSetAsync(tileKey, tile);
        Assert.Equal(["tile 0/0"], await SubjectsAsync(audit));

        // Text output names it too, and the exit code says the log is not sound.
        (exit, output, _) = await CliRunner.Run(audit);
        Assert.Equal(1, exit);
        Assert.StartsWith("tile 0/0: hash 5 is ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audit_refuses_a_log_key_of_another_log_and_an_unreachable_Redis()
    {
        var (exit, _, error) = await CliRunner.Run("audit", "--redis", redis.Connection, "--origin", "a.test/log",
            "--log-key", "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx");
        Assert.Equal(1, exit);
        Assert.Contains("not the origin", error, StringComparison.Ordinal);
        (exit, _, error) = await CliRunner.Run("audit", "--redis", $"127.0.0.1:{RedisServer.FreePort()},connectTimeout=500", "--origin", "a.test/log");
        Assert.Equal(1, exit);
        Assert.Contains("cannot reach Redis", error, StringComparison.Ordinal);
    }

    private static async Task<string[]> SubjectsAsync(string[] audit)
    {
        var (exit, output, error) = await CliRunner.Run([.. audit, "--json"]);
        Assert.True(exit == 1, output + error);
        var report = JsonNode.Parse(output)!;
        Assert.False(report["ok"]!.GetValue<bool>());
        return [.. report["findings"]!.AsArray().Select(f => f!["subject"]!.GetValue<string>()).Distinct()];
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
