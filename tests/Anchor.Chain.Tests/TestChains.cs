namespace Anchor.Chain.Tests;

/// <summary>Targets tuned for a local anvil: fast polling, short retries.</summary>
public static class TestChains
{
    public static ChainTarget For(Anvil anvil, string? registry = null) =>
        new($"anvil-{anvil.ChainId}", anvil.Url, anvil.ChainId, registry)
        {
            Confirmations = 1,
            Finality = FinalityRule.Confirmations, // anvil's "finalized" trails its head by 64 blocks
            PollInterval = TimeSpan.FromMilliseconds(50),
            RpcAttempts = 3,
            RpcBackoff = TimeSpan.FromMilliseconds(50),
            RpcMaxBackoff = TimeSpan.FromMilliseconds(400),
            RpcTimeout = TimeSpan.FromSeconds(5),
        };

    /// <summary>Deploys a registry with dev account 0 and returns a client for it with <paramref name="key"/>.</summary>
    public static async Task<AnchorRegistryClient> DeployAsync(Anvil anvil, string key = DevAccounts.Key0)
    {
        using var deployer = await AnchorRegistryClient.ConnectAsync(For(anvil), DevAccounts.Key0);
        var mined = await deployer.DeployAsync();
        return await AnchorRegistryClient.ConnectAsync(For(anvil, mined.ContractAddress), key);
    }

    /// <summary>A key commitment for logs whose key no test checks: SHA-256 of a made-up vkey text (never zero).</summary>
    public static byte[] Commitment(string origin) => Anchor.Core.Records.RegistryLog.KeyCommitment("test key of " + origin);

    public static byte[] Root(byte seed) => Enumerable.Range(0, 32).Select(i => (byte)(seed + i)).ToArray();
}
