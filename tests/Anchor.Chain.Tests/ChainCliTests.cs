using System.Diagnostics;
using System.Text.Json;

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
            var register = await Anchor("chain", "register-log", "--rpc", anvil.Url, "--key", key, "--registry", registry, "--origin", origin);
            Assert.True(register.Code == 0, register.Err);
            Assert.Contains(LogId.Hex(origin), register.Out);

            using var client = await AnchorRegistryClient.ConnectAsync(TestChains.For(anvil, registry), DevAccounts.Key0);
            var mined = await client.AnchorAsync(LogId.For(origin), 42, TestChains.Root(42));

            var lookup = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--size", "42", "--json");
            Assert.True(lookup.Code == 0, lookup.Err);
            using var json = JsonDocument.Parse(lookup.Out);
            var anchor = json.RootElement;
            Assert.Equal("31337", anchor.GetProperty("chainId").GetString());
            Assert.Equal("42", anchor.GetProperty("treeSize").GetString());
            Assert.Equal(Convert.ToHexStringLower(TestChains.Root(42)), anchor.GetProperty("root").GetString());
            Assert.Equal(mined.Hash, anchor.GetProperty("txHash").GetString());
            Assert.Equal(mined.BlockHash, anchor.GetProperty("blockHash").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", anchor.GetProperty("blockTime").GetString());

            var text = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--size", "42");
            Assert.Contains(mined.Hash, text.Out);

            // Errors: one line on stderr, non-zero exit, no stack trace.
            var again = await Anchor("chain", "register-log", "--rpc", anvil.Url, "--key", key, "--registry", registry, "--origin", origin);
            Assert.NotEqual(0, again.Code);
            Assert.Contains("LogExists", again.Err);
            var missing = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--size", "41");
            Assert.NotEqual(0, missing.Code);
            var wrong = await Anchor("chain", "lookup", "--rpc", anvil.Url, "--registry", registry, "--origin", origin, "--size", "42", "--chain-id", "1");
            Assert.Contains("chain ID 31337, expected 1", wrong.Err);
            foreach (var failure in new[] { again, missing, wrong })
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
}
