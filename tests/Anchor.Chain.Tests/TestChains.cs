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

    /// <summary>
    /// A transaction from dev account 0 with the nonce given, signed outside our client (which refuses to sign while one is
    /// in flight): what a second sender with the same key, or one misled by a stale nonce, would send.
    /// </summary>
    public static async Task<SentTransaction> SignRawAsync(Anvil anvil, string registry, ulong nonce, string data)
    {
        var account = new Nethereum.Web3.Accounts.Account(DevAccounts.Key0, new System.Numerics.BigInteger(anvil.ChainId));
        var web3 = new Nethereum.Web3.Web3(account, anvil.Url);
        System.Numerics.BigInteger maxFee = System.Numerics.BigInteger.Pow(10, 10), tip = System.Numerics.BigInteger.Pow(10, 9);
        var input = new Nethereum.RPC.Eth.DTOs.TransactionInput
        {
            From = account.Address, To = registry, Data = data, Gas = new Nethereum.Hex.HexTypes.HexBigInteger(200_000),
            Nonce = new Nethereum.Hex.HexTypes.HexBigInteger(nonce), MaxFeePerGas = new Nethereum.Hex.HexTypes.HexBigInteger(maxFee),
            MaxPriorityFeePerGas = new Nethereum.Hex.HexTypes.HexBigInteger(tip), Type = new Nethereum.Hex.HexTypes.HexBigInteger(2),
            Value = new Nethereum.Hex.HexTypes.HexBigInteger(0),
        };
        var raw = await web3.TransactionManager.SignTransactionAsync(input);
        raw = raw.StartsWith("0x", StringComparison.Ordinal) ? raw : "0x" + raw;
        var hash = "0x" + Convert.ToHexStringLower(Nethereum.Util.Sha3Keccack.Current.CalculateHash(Convert.FromHexString(raw[2..])));
        return new SentTransaction(account.Address, registry, data, 200_000, nonce, maxFee, tip, [hash], DateTimeOffset.UtcNow, raw);
    }

    /// <summary>The calldata of anchor(logId, treeSize, root).</summary>
    public static string AnchorCall(byte[] logId, ulong treeSize, byte[] root) =>
        "0x" + Convert.ToHexStringLower(Nethereum.Contracts.FunctionMessageExtensions.GetCallData(new Registry.AnchorFunction { LogId = logId, TreeSize = treeSize, Root = root }));

    public static byte[] Root(byte seed) => Enumerable.Range(0, 32).Select(i => (byte)(seed + i)).ToArray();
}
