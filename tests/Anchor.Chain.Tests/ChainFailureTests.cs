using Nethereum.Signer;

namespace Anchor.Chain.Tests;

/// <summary>Typed errors: unreachable RPC (and recovery), chain IDs, funds, missing registry, key files.</summary>
public class ChainFailureTests
{
    [Fact]
    public async Task RpcDownIsATypedErrorAndRetriesRecoverWhenItComesBack()
    {
        var state = Path.Combine(Path.GetTempPath(), $"anvil-state-{Guid.NewGuid():N}.json");
        try
        {
            await using var anvil = await Anvil.StartAsync(31337, "--state", state);
            using var client = await TestChains.DeployAsync(anvil);
            using var patient = await AnchorRegistryClient.ConnectAsync(client.Target with
            {
                RpcAttempts = 12, RpcBackoff = TimeSpan.FromMilliseconds(100), RpcMaxBackoff = TimeSpan.FromMilliseconds(500),
            }, DevAccounts.Key0);
            var origin = "down.test/" + Guid.NewGuid().ToString("N");
            await client.RegisterLogAsync(origin, TestChains.Commitment(origin));
            var logId = client.OwnLogId(origin);
            await client.AnchorAsync(logId, 1, TestChains.Root(1));

            await anvil.StopAsync(); // SIGTERM: anvil dumps --state
            Assert.True(File.Exists(state), "anvil dumped its state on SIGTERM");

            var down = await Assert.ThrowsAsync<RpcUnreachableException>(() => client.LatestAsync(logId));
            Assert.Equal((ChainErrorCode.RpcUnreachable, 3), (down.Code, down.Attempts));

            var restart = Task.Run(async () => { await Task.Delay(800); await anvil.RestartAsync(); });
            var latest = await patient.LatestAsync(logId); // retried with backoff until anvil is back
            await restart;
            Assert.Equal((1UL, Convert.ToHexString(TestChains.Root(1))), (latest.TreeSize, Convert.ToHexString(latest.Root)));

            // The nonce comes from the chain, so anchoring goes on after the restart.
            await patient.AnchorAsync(logId, 2, TestChains.Root(2));
            Assert.Equal(TestChains.Root(2), await client.RootAtAsync(logId, 2));
        }
        finally
        {
            File.Delete(state);
        }
    }

    [Fact]
    public async Task TwoChainsAtOnceAndWrongChainIdIsRefused()
    {
        await using var a = await Anvil.StartAsync(31337);
        await using var b = await Anvil.StartAsync(4242);
        using var onA = await TestChains.DeployAsync(a);
        using var onB = await TestChains.DeployAsync(b);
        const string origin = "two.chains.test/log";
        await onA.RegisterLogAsync(origin, TestChains.Commitment(origin));
        await onB.RegisterLogAsync(origin, TestChains.Commitment(origin));
        // The same account and origin: the same log ID on both chains.
        var logId = LogId.For(DevAccounts.Address0, origin);
        await onA.AnchorAsync(logId, 5, TestChains.Root(5));
        await onB.AnchorAsync(logId, 5, TestChains.Root(50));

        var onChainA = await onA.LookupAsync(logId, 5);
        var onChainB = await onB.LookupAsync(logId, 5);
        Assert.Equal((31337UL, Convert.ToHexStringLower(TestChains.Root(5))), (onChainA!.ChainId, onChainA.Root));
        Assert.Equal((4242UL, Convert.ToHexStringLower(TestChains.Root(50))), (onChainB!.ChainId, onChainB.Root));

        var wrong = await Assert.ThrowsAsync<WrongChainIdException>(() => AnchorRegistryClient.ConnectAsync(onB.Target with { ChainId = 31337 }));
        Assert.Equal((31337UL, 4242UL), (wrong.Expected, wrong.Actual));
    }

    [Fact]
    public async Task InsufficientFundsNotDeployedAndUnreachableAreTyped()
    {
        await using var anvil = await Anvil.StartAsync();
        using var client = await TestChains.DeployAsync(anvil);

        using var poor = await AnchorRegistryClient.ConnectAsync(client.Target, EthECKey.GenerateKey().GetPrivateKey());
        var funds = await Assert.ThrowsAsync<InsufficientFundsException>(() => poor.RegisterLogAsync("poor.test/log", TestChains.Commitment("poor.test/log")));
        Assert.Equal(poor.Account, funds.Account);

        var missing = await Assert.ThrowsAsync<RegistryNotDeployedException>(() =>
            AnchorRegistryClient.ConnectAsync(client.Target with { Registry = "0x000000000000000000000000000000000000dEaD" }));
        Assert.Equal(ChainErrorCode.RegistryNotDeployed, missing.Code);

        var nobody = TestChains.For(anvil) with { RpcUrl = "http://127.0.0.1:1", RpcAttempts = 2 };
        await Assert.ThrowsAsync<RpcUnreachableException>(() => AnchorRegistryClient.ConnectAsync(nobody));
    }

    [Fact]
    public async Task KeyFileHoldsOneHexKeyAndIsNeverEchoed()
    {
        await using var anvil = await Anvil.StartAsync();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, DevAccounts.Key0 + "\n");
            using var client = await AnchorRegistryClient.ConnectAsync(TestChains.For(anvil) with { KeyFile = file });
            Assert.Equal(DevAccounts.Address0, client.Account, ignoreCase: true);

            var secret = DevAccounts.Key1[..40]; // a truncated key: invalid, and must not leak into the message
            await File.WriteAllTextAsync(file, secret);
            var e = await Assert.ThrowsAsync<ChainException>(() => AnchorRegistryClient.ConnectAsync(TestChains.For(anvil) with { KeyFile = file }));
            Assert.Equal(ChainErrorCode.KeyFile, e.Code);
            Assert.DoesNotContain(secret[2..], e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The JSON key file of `anchor keygen --alg eth-personal` is an account key too; other algorithms and damaged files are refused.</summary>
    [Fact]
    public void AnEthPersonalKeyFileIsAnAccountKeyAndOtherKeyFilesAreRefused()
    {
        var file = Path.GetTempFileName();
        try
        {
            using var eth = Anchor.Core.Signatures.SigningKey.Generate(Anchor.Core.Signatures.SignatureAlg.EthPersonal);
            var exported = eth.Export();
            File.WriteAllText(file, exported);
            var privateKey = AccountKey.ReadFile(file);
            Assert.Equal(eth.Descriptor.Address, AccountKey.AddressOf(privateKey), ignoreCase: true);
            var secret = System.Text.Json.Nodes.JsonNode.Parse(exported)!["privateKey"]!.GetValue<string>();

            // Its address no longer belongs to its secret: refused, and the secret is not echoed.
            var other = EthECKey.GenerateKey().GetPublicAddress();
            File.WriteAllText(file, exported.Replace(eth.Descriptor.Address!, other, StringComparison.Ordinal));
            var damaged = Assert.Throws<ChainException>(() => AccountKey.ReadFile(file));
            Assert.Equal(ChainErrorCode.KeyFile, damaged.Code);
            Assert.Contains("does not belong", damaged.Message);
            Assert.DoesNotContain(secret, damaged.Message);
            Assert.DoesNotContain(privateKey[2..], damaged.Message);

            using var ed = Anchor.Core.Signatures.SigningKey.Generate(Anchor.Core.Signatures.SignatureAlg.Ed25519);
            File.WriteAllText(file, ed.Export());
            var wrongAlg = Assert.Throws<ChainException>(() => AccountKey.ReadFile(file));
            Assert.Contains("holds a ed25519 key; an account key is eth-personal", wrongAlg.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
