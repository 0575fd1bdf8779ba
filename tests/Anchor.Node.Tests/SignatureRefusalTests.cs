using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Node.Tests;

/// <summary>A record signed with the wrong key: signature_invalid, and the detail names the registered key's algorithm.</summary>
[Collection(NodeCollection.Name)]
public sealed class SignatureRefusalTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task A_signature_of_another_algorithm_is_refused_naming_the_registered_algorithm()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "sigalg.test/log", _state));
        using var provider = new TestProvider("sigalg");
        await provider.RegisterAsync(node);
        var checkpoint = await node.Http.GetStringAsync("/checkpoint");

        // An eth-personal key file passed where the ed25519 one belongs: 65 bytes, which no ed25519 signature is.
        using var eth = SigningKey.Generate(SignatureAlg.EthPersonal);
        var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), eth));
        Assert.Equal(400, status);
        Assert.Equal(ErrorCodes.SignatureInvalid, body["code"]!.GetValue<string>());
        var detail = body["detail"]!.GetValue<string>();
        Assert.Contains("sig is 65 bytes", detail, StringComparison.Ordinal);
        Assert.Contains("registered ed25519 key, whose signatures are 64 bytes", detail, StringComparison.Ordinal);
        Assert.Contains("another algorithm", detail, StringComparison.Ordinal);

        // An RSA key over a batch: the same, for the batch signature.
        using var rsa = SigningKey.Generate(SignatureAlg.RsaPkcs1Sha256);
        var records = new[] { TestProvider.NewEvidence(), TestProvider.NewEvidence() };
        var batch = provider.Batch(records);
        var (root, _) = Statements.BatchTree(provider.Id, provider.KeyId, records);
        batch["sig"] = Convert.ToBase64String(rsa.Sign(Statements.Batch(provider.Id, provider.KeyId, Core.Hex.Encode(root), 2)));
        (status, body) = await node.PostAsync("/v1/evidence/batch", batch);
        Assert.Equal(400, status);
        Assert.Equal(ErrorCodes.SignatureInvalid, body["code"]!.GetValue<string>());
        Assert.Contains("registered ed25519 key", body["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // Another ed25519 key: the length fits, so nothing can be said of its algorithm; the registered one is still named.
        using var other = SigningKey.Generate(SignatureAlg.Ed25519);
        (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), other));
        Assert.Equal(ErrorCodes.SignatureInvalid, body["code"]!.GetValue<string>());
        Assert.Equal("sig does not verify under key 'k1' of provider 'sigalg' (a registered ed25519 key)", body["detail"]!.GetValue<string>());
        Assert.Equal(checkpoint, await node.Http.GetStringAsync("/checkpoint")); // nothing was written
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
