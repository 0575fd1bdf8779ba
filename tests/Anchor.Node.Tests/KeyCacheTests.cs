using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Node.Tests;

/// <summary>
/// Verifiers read keys from the silo's cache, not the provider grain: every change must still hold from the moment
/// the admin call returns, for single records and batches alike.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class KeyCacheTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Registration_added_keys_and_revocations_hold_as_soon_as_the_admin_call_returns()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "keycache.test/log", _state,
            "--Anchor:RateLimit:PermitsPerSecond=100000", "--Anchor:RateLimit:Burst=100000"));
        using var provider = new TestProvider("cached");

        // Unknown first (the cache now holds "no such provider"), then registered: accepted at once.
        var (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()));
        Assert.Equal((400, ErrorCodes.ProviderUnknown), (status, body["code"]?.GetValue<string>()));
        await provider.RegisterAsync(node);
        for (var round = 0; round < 3; round++)
        {
            using var key = SigningKey.Generate(SignatureAlg.Ed25519);
            var keyId = $"r{round}";
            // Unknown key (cached as such), then added: accepted at once.
            (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), key, keyId));
            Assert.Equal((400, ErrorCodes.KeyUnknown), (status, body["code"]?.GetValue<string>()));
            (status, body) = await node.PostAsync($"/v1/admin/providers/{provider.Id}/keys", TestProvider.KeyJson(provider.Id, keyId, key), node.AdminToken);
            Assert.True(status is 200 or 201, body.ToJsonString());
            (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), key, keyId));
            Assert.True(status == 200, body.ToJsonString());

            // Revoked while cached: the very next request is refused.
            (status, _) = await node.SendAsync(HttpMethod.Delete, $"/v1/admin/providers/{provider.Id}/keys/{keyId}", bearer: node.AdminToken);
            Assert.Equal(200, status);
            (status, body) = await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), key, keyId));
            Assert.Equal((403, ErrorCodes.KeyRevoked), (status, body["code"]?.GetValue<string>()));
        }

        // Batches read the same cache.
        (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch([TestProvider.NewEvidence(), TestProvider.NewEvidence()]));
        Assert.True(status == 200, body.ToJsonString());
        (status, _) = await node.SendAsync(HttpMethod.Delete, $"/v1/admin/providers/{provider.Id}/keys/{provider.KeyId}", bearer: node.AdminToken);
        Assert.Equal(200, status);
        (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch([TestProvider.NewEvidence()]));
        Assert.Equal((403, ErrorCodes.KeyRevoked), (status, body["code"]?.GetValue<string>()));
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
