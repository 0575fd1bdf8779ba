using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Node.Tests;

/// <summary>An evidence provider as a client would be: its keys, and signed submissions in the wire format.</summary>
public sealed class TestProvider(string id, SignatureAlg alg = SignatureAlg.Ed25519) : IDisposable
{
    public string Id { get; } = id;
    public string KeyId { get; } = "k1";
    public SigningKey Key { get; } = SigningKey.Generate(alg);
    public string? ReadToken { get; private set; }

    public JsonObject Registration() => new()
    {
        ["id"] = Id,
        ["name"] = "Provider " + Id,
        ["keys"] = new JsonArray(KeyJson(Id, KeyId, Key)),
    };

    /// <summary>The admin API's key object, with the key's proof of possession (its signature over its registration statement).</summary>
    public static JsonObject KeyJson(string provider, string keyId, SigningKey key)
    {
        var json = key.Descriptor.ToJson();
        json["keyId"] = keyId;
        json["pop"] = Convert.ToBase64String(key.Sign(Statements.KeyRegistration(provider, keyId, key.Descriptor)));
        return json;
    }

    public async Task RegisterAsync(TestNode node, string? log = null)
    {
        var registration = Registration();
        if (log is not null) registration["log"] = log;
        var (status, body) = await node.PostAsync("/v1/admin/providers", registration, node.AdminToken);
        Assert.True(status == 201, $"register {Id}: {status} {body.ToJsonString()}");
        ReadToken = body["readToken"]!.GetValue<string>();
    }

    public static Evidence NewEvidence(string contractId = "contract-1", string? hash = null) => new(
        "sha256",
        hash ?? Hex.Encode(RandomNumberGenerator.GetBytes(32)),
        contractId,
        "contract.document",
        null,
        Times.ToText(DateTimeOffset.UtcNow),
        Hex.Encode(RandomNumberGenerator.GetBytes(16)));

    public JsonObject Single(Evidence evidence, SigningKey? key = null, string? keyId = null)
    {
        var k = keyId ?? KeyId;
        var sig = (key ?? Key).Sign(Statements.Single(Id, k, evidence));
        return new JsonObject
        {
            ["provider"] = Id,
            ["keyId"] = k,
            ["evidence"] = evidence.ToJson(),
            ["sig"] = Convert.ToBase64String(sig),
        };
    }

    /// <summary>A signed batch body, as the CLI builds it.</summary>
    public JsonObject Batch(IReadOnlyList<Evidence> records) => Anchor.Cli.SignedBatch.Build(Key, Id, KeyId, records);

    public void Dispose() => Key.Dispose();
}
