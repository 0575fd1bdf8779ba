using System.Globalization;
using System.Text;
using Anchor.Cli;
using Anchor.Core.Tests.Cli;

namespace Anchor.Node.Tests;

/// <summary>
/// Sealing a payments ledger against a real node and Redis (issue 16): 100,000 rows sealed as signed batches; then three
/// balances edited, one row deleted and one inserted, and reconcile names exactly those five, and nothing else.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class LedgerTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-ledger-").FullName;

    [Fact]
    public async Task Reconcile_names_exactly_the_rows_changed_deleted_and_inserted_since_sealing()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "ledger.test/log", _state));
        using var provider = new TestProvider("bank");
        await provider.RegisterAsync(node);
        var keyFile = Path.Combine(_state, "bank.key");
        KeyFile.Save(keyFile, provider.Key, overwrite: false);
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();

        const int rows = 100_000;
        var csv = Path.Combine(_state, "ledger.csv");
        var lines = new List<string> { "id,account,amount,balance,memo" };
        // Quoted fields with commas and quotes too, so the CSV reader is tried on what ledgers export.
        lines.AddRange(Enumerable.Range(0, rows).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"tx-{i},acct-{i % 977},{i % 5000}.{i % 100:D2},{i * 3}.00,\"note {i}, \"\"ok\"\"\"")));
        await File.WriteAllLinesAsync(csv, lines);

        var seals = Path.Combine(_state, "seals.jsonl");
        var salt = Path.Combine(_state, "salt.key");
        var seal = await CliRunner.Run("seal", "--csv", csv, "--id-column", "id", "--columns", "account,amount,balance", "--salt-key", salt,
            "--provider", provider.Id, "--key", keyFile, "--key-id", provider.KeyId, "--contract-prefix", "ledger-", "--node", node.Http.BaseAddress!.ToString(), "-o", seals);
        Assert.True(seal.Exit == 0, seal.Output + seal.Error);
        Assert.Contains($"sealed {rows} rows", seal.Output, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(salt));
        // The log holds only keyed digests: no amount or account appears in any entry.
        var bundle = (await node.GetAsync("/v1/proofs/5")).Body;
        Assert.Equal("ledger.row", bundle["entry"]!["evidence"]!["kind"]!.GetValue<string>());
        Assert.Equal("hmac-sha256", bundle["entry"]!["evidence"]!["hashAlg"]!.GetValue<string>());
        Assert.DoesNotContain("acct-", bundle.ToJsonString(), StringComparison.Ordinal);

        var clean = await CliRunner.Run("reconcile", "--csv", csv, "--seals", seals, "--salt-key", salt, "--log-key", logKey, "--node", node.Http.BaseAddress!.ToString());
        Assert.True(clean.Exit == 0, clean.Output + clean.Error);
        Assert.Contains($"{rows} rows, {rows} sealed: every row is as sealed", clean.Output, StringComparison.Ordinal);

        // Three balances edited, one row deleted, one inserted; the memo (not sealed) changed on another row: not a finding.
        lines[1 + 10] = lines[1 + 10].Replace(",30.00,", ",31.00,", StringComparison.Ordinal);
        lines[1 + 5000] = lines[1 + 5000].Replace(",15000.00,", ",15000.01,", StringComparison.Ordinal);
        lines[1 + 99_999] = lines[1 + 99_999].Replace(",299997.00,", ",0.00,", StringComparison.Ordinal);
        lines[1 + 777] = lines[1 + 777].Replace("note 777", "note edited", StringComparison.Ordinal);
        lines.RemoveAt(1 + 4242);
        lines.Add("tx-new,acct-1,10.00,10.00,inserted");
        await File.WriteAllLinesAsync(csv, lines);

        var found = await CliRunner.Run("reconcile", "--csv", csv, "--seals", seals, "--salt-key", salt, "--log-key", logKey);
        Assert.Equal(1, found.Exit);
        var findings = found.Output.Split('\n').Where(l => l.Length > 0 && !l.Contains(" rows, ", StringComparison.Ordinal)).Order().ToList();
        Assert.Equal(5, findings.Count);
        Assert.StartsWith("changed: row 'tx-10' ", findings[0], StringComparison.Ordinal);
        Assert.StartsWith("changed: row 'tx-5000' ", findings[1], StringComparison.Ordinal);
        Assert.StartsWith("changed: row 'tx-99999' ", findings[2], StringComparison.Ordinal);
        Assert.StartsWith("missing: row 'tx-4242'", findings[3], StringComparison.Ordinal);
        Assert.StartsWith("unsealed: row 'tx-new'", findings[4], StringComparison.Ordinal);

        // Another salt key cannot reconcile; a seals file whose receipts a forged key signed is refused under the real key.
        var other = Path.Combine(_state, "other.key");
        await File.WriteAllTextAsync(other, Core.Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        Assert.Equal(2, (await CliRunner.Run("reconcile", "--csv", csv, "--seals", seals, "--salt-key", other)).Exit);
        using var forger = Core.Checkpoints.NoteSigner.Generate("ledger.test/log");
        var forged = await CliRunner.Run("reconcile", "--csv", csv, "--seals", seals, "--salt-key", salt, "--log-key", forger.VerifierKey.ToString());
        Assert.Equal(1, forged.Exit);
        Assert.Contains("unproven: row", forged.Output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
