using System.Diagnostics;
using System.Text.Json;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;

namespace Anchor.Chain.Tests;

/// <summary>`anchor chain …` run as a process, as an operator or a verifier would.</summary>
public class ChainCliTests
{
    private static async Task<(int Code, string Out, string Err)> Anchor(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "anchor.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    [Fact]
    public async Task DeployRegisterAndLookUpAnAnchor()
    {
        await using var anvil = await Anvil.StartAsync();
        var key = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(key, DevAccounts.Key0 + "\n");
            var deploy = await Anchor("chain", "deploy", "--rpc", anvil.Url, "--key", key);
            Assert.True(deploy.Code == 0, deploy.Err);
            var registry = deploy.Out;
            Assert.Matches("^0x[0-9a-f]{40}$", registry);

            const string origin = "cli.test/log";
            using var logKey = NoteSigner.Generate(origin);
            var vkey = logKey.VerifierKey.ToString();
            var register = await Anchor("chain", "register-log", "--rpc", anvil.Url, "--key", key, "--registry", registry, "--log-key", vkey, "--json");
            Assert.True(register.Code == 0, register.Err);
            using (var registered = JsonDocument.Parse(register.Out))
            {
                Assert.Equal(origin, registered.RootElement.GetProperty("origin").GetString());
                Assert.Equal(LogId.Hex(DevAccounts.Address0, origin), registered.RootElement.GetProperty("logId").GetString());
                Assert.Equal(DevAccounts.Address0.ToLowerInvariant(), registered.RootElement.GetProperty("operator").GetString());
                Assert.Equal(Convert.ToHexStringLower(RegistryLog.KeyCommitment(vkey)), registered.RootElement.GetProperty("keyCommitment").GetString());
            }

            using var client = await AnchorRegistryClient.ConnectAsync(TestChains.For(anvil, registry), DevAccounts.Key0);
            Assert.Equal(RegistryLog.KeyCommitment(vkey), await client.KeyCommitmentOfAsync(client.OwnLogId(origin)));
            var mined = await client.AnchorAsync(client.OwnLogId(origin), 42, TestChains.Root(42));

            string[] lookup42 = ["chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--operator", DevAccounts.Address0, "--size", "42"];
            var lookup = await Anchor([.. lookup42, "--json"]);
            Assert.True(lookup.Code == 0, lookup.Err);
            using var json = JsonDocument.Parse(lookup.Out);
            var anchor = json.RootElement;
            Assert.Equal("31337", anchor.GetProperty("chainId").GetString());
            Assert.Equal(LogId.Hex(DevAccounts.Address0, origin), anchor.GetProperty("logId").GetString());
            Assert.Equal("42", anchor.GetProperty("treeSize").GetString());
            Assert.Equal(Convert.ToHexStringLower(TestChains.Root(42)), anchor.GetProperty("root").GetString());
            Assert.Equal(mined.Hash, anchor.GetProperty("txHash").GetString());
            Assert.Equal(mined.BlockHash, anchor.GetProperty("blockHash").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", anchor.GetProperty("blockTime").GetString());

            var text = await Anchor(lookup42);
            Assert.Contains(mined.Hash, text.Out);

            // Errors: one line on stderr, non-zero exit, no stack trace.
            var again = await Anchor("chain", "register-log", "--rpc", anvil.Url, "--key", key, "--registry", registry, "--log-key", vkey);
            Assert.NotEqual(0, again.Code);
            Assert.Contains("LogExists", again.Err);
            var missing = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--operator", DevAccounts.Address0, "--size", "41");
            Assert.NotEqual(0, missing.Code);
            // Another operator's namespace holds nothing for this origin.
            var otherOperator = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--operator", DevAccounts.Address1, "--size", "42");
            Assert.NotEqual(0, otherOperator.Code);
            var wrong = await Anchor([.. lookup42, "--chain-id", "1"]);
            Assert.Contains("chain ID 31337, expected 1", wrong.Err);
            var badKey = await Anchor("chain", "register-log", "--rpc", anvil.Url, "--key", key, "--registry", registry, "--log-key", "not a vkey");
            Assert.NotEqual(0, badKey.Code);
            Assert.Contains("--log-key", badKey.Err);
            foreach (var failure in new[] { again, missing, otherOperator, wrong, badKey })
            {
                Assert.Single(failure.Err.Split('\n'));
                Assert.DoesNotContain("   at ", failure.Err);
            }
        }
        finally
        {
            File.Delete(key);
        }
    }

    /// <summary>`anchor keygen --alg eth-personal` writes a key file that `anchor chain deploy --key` takes as an account key.</summary>
    [Fact]
    public async Task AKeygenEthPersonalKeyFileDeploys()
    {
        await using var anvil = await Anvil.StartAsync();
        var dir = Directory.CreateTempSubdirectory("anchor-chain-cli-").FullName;
        try
        {
            var key = Path.Combine(dir, "operator.key");
            var keygen = await Anchor("keygen", "--alg", "eth-personal", "--out", key);
            Assert.True(keygen.Code == 0, keygen.Err);
            var address = JsonDocument.Parse(await File.ReadAllTextAsync(key)).RootElement.GetProperty("address").GetString()!;
            await anvil.RpcAsync("anvil_setBalance", address, "0x56bc75e2d63100000"); // 100 ETH for gas

            var deploy = await Anchor("chain", "deploy", "--rpc", anvil.Url, "--key", key, "--json");
            Assert.True(deploy.Code == 0, deploy.Err);
            var txHash = JsonDocument.Parse(deploy.Out).RootElement.GetProperty("txHash").GetString()!;
            var tx = await anvil.RpcAsync("eth_getTransactionByHash", txHash);
            Assert.Equal(address, tx.GetProperty("from").GetString(), ignoreCase: true);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
