using Anchor.Chain;
using Anchor.Chain.Tests;

namespace Anchor.Node.Tests;

/// <summary>A node's anchoring on a test anvil: the registry deployed there, and the settings of chain "local" with dev account 0's key file.</summary>
internal static class LocalChain
{
    public static async Task<string[]> ArgsAsync(Anvil anvil, string stateDir)
    {
        string registry;
        using (var deployer = await AnchorRegistryClient.ConnectAsync(new ChainTarget("deploy", anvil.Url, anvil.ChainId), DevAccounts.Key0))
            registry = (await deployer.DeployAsync()).ContractAddress!;
        var keyFile = Path.Combine(stateDir, "chain.key");
        await File.WriteAllTextAsync(keyFile, DevAccounts.Key0 + "\n");
        return
        [
            "--Anchor:Chains:0:Name=local", $"--Anchor:Chains:0:RpcUrl={anvil.Url}", $"--Anchor:Chains:0:ChainId={anvil.ChainId}",
            $"--Anchor:Chains:0:Registry={registry}", $"--Anchor:Chains:0:KeyFile={keyFile}",
        ];
    }
}
