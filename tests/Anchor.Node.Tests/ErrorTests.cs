using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Node.Api;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class ErrorTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Every_error_code_comes_from_a_real_request_and_leaves_the_ledger_unchanged()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "errors.test/log", _state,
            "--Anchor:RateLimit:Burst=40", "--Anchor:RateLimit:PermitsPerSecond=1"));
        using var provider = new TestProvider("errs");
        await provider.RegisterAsync(node);
        var good = TestProvider.NewEvidence("contract-e");
        var (okStatus, original) = await node.PostAsync("/v1/evidence", provider.Single(good));
        Assert.Equal(200, okStatus);
        // A body without a Content-Length (chunked), longer than the first read buffer, is read whole.
        var single = provider.Single(TestProvider.NewEvidence()).ToJsonString();
        using (var padded = await Post(node, "/v1/evidence", single[..^1] + new string(' ', 40_000) + "}", chunked: true))
            Assert.True(padded.IsSuccessStatusCode, await padded.Content.ReadAsStringAsync());
        var checkpoint = await node.Http.GetStringAsync("/checkpoint");

        async Task Expect(int status, string code, Func<Task<(int, JsonObject)>> request)
        {
            var (s, body) = await request();
            Assert.True(s == status && body["code"]?.GetValue<string>() == code, $"want {status} {code}, got {s} {body.ToJsonString()}");
            Assert.Equal("urn:anchor:error:" + code, body["type"]!.GetValue<string>());
            Assert.Equal(checkpoint, await node.Http.GetStringAsync("/checkpoint")); // The ledger did not move.
        }

        await Expect(400, ErrorCodes.Malformed, () => Raw(node, "/v1/evidence", "{\"provider\": \"errs\", "));
        await Expect(400, ErrorCodes.Malformed, () => Raw(node, "/v1/evidence", "{\"provider\": 7}"));
        await Expect(400, ErrorCodes.Malformed, () => Raw(node, "/v1/evidence", "{\"provider\": \"a\", \"provider\": \"b\"}"));
        await Expect(400, ErrorCodes.Malformed, () => node.PostAsync("/v1/evidence", provider.Single(good with { Nonce = "00" })));
        await Expect(400, ErrorCodes.HashMalformed, () => node.PostAsync("/v1/evidence", provider.Single(good with { Hash = good.Hash.ToUpperInvariant() })));
        await Expect(400, ErrorCodes.HashMalformed, () => node.PostAsync("/v1/evidence", provider.Single(good with { Hash = "abcd" })));
        await Expect(400, ErrorCodes.HashMalformed, () => node.GetAsync("/v1/proofs?hash=XYZ"));

        using var stranger = new TestProvider("nobody");
        await Expect(400, ErrorCodes.ProviderUnknown, () => node.PostAsync("/v1/evidence", stranger.Single(TestProvider.NewEvidence())));
        await Expect(400, ErrorCodes.KeyUnknown, () => node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), keyId: "k9")));

        var tampered = provider.Single(TestProvider.NewEvidence());
        tampered["evidence"]!["contractId"] = "someone-else";
        await Expect(400, ErrorCodes.SignatureInvalid, () => node.PostAsync("/v1/evidence", tampered));
        using var otherKey = SigningKey.Generate(SignatureAlg.Ed25519);
        await Expect(400, ErrorCodes.SignatureInvalid, () => node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence(), otherKey)));
        var badBatch = provider.Batch([TestProvider.NewEvidence(), TestProvider.NewEvidence()]);
        badBatch["records"]!.AsArray().RemoveAt(1);
        await Expect(400, ErrorCodes.SignatureInvalid, () => node.PostAsync("/v1/evidence/batch", badBatch));

        // A retry of the same record returns the original entry and index, proven at the log's checkpoint now (the log grew
        // since); other content under its nonce is a conflict.
        var (retryStatus, retry) = await node.PostAsync("/v1/evidence", provider.Single(good));
        Assert.Equal(200, retryStatus);
        foreach (var member in new[] { "entry", "leafIndex", "leafHash" }) Assert.Equal(original[member]!.ToJsonString(), retry[member]!.ToJsonString());
        Assert.Equal(original["receipt"]!["leafHash"]!.ToJsonString(), retry["receipt"]!["leafHash"]!.ToJsonString());
        await Expect(409, ErrorCodes.NonceConflict, () => node.PostAsync("/v1/evidence", provider.Single(good with { Hash = new string('a', 64) })));
        var conflictBatch = provider.Batch([TestProvider.NewEvidence(), good with { Kind = "other" }]);
        await Expect(409, ErrorCodes.NonceConflict, () => node.PostAsync("/v1/evidence/batch", conflictBatch));

        await Expect(413, ErrorCodes.TooLarge, () => Raw(node, "/v1/evidence", "{\"provider\": \"" + new string('x', 70_000) + "\"}"));
        await Expect(413, ErrorCodes.TooLarge, () => node.PostAsync("/v1/evidence/batch",
            provider.Batch([.. Enumerable.Range(0, 10_001).Select(_ => TestProvider.NewEvidence())])));
        // Without a Content-Length (chunked) a body is read up to the same limit.
        await Expect(413, ErrorCodes.TooLarge, () => Raw(node, "/v1/evidence", "{\"provider\": \"" + new string('x', 70_000) + "\"}", chunked: true));
        await Expect(400, ErrorCodes.Malformed, () => Raw(node, "/v1/evidence", "{\"provider\": 7}", chunked: true));

        await Expect(401, ErrorCodes.Unauthorized, () => node.PostAsync("/v1/admin/providers", new TestProvider("x").Registration()));
        await Expect(403, ErrorCodes.Forbidden, () => node.PostAsync("/v1/admin/providers", new TestProvider("x").Registration(), "not-the-token"));
        await Expect(401, ErrorCodes.Unauthorized, () => node.GetAnonymousAsync("/v1/contracts/contract-e/proofs?provider=errs"));
        using var other = new TestProvider("errs-2");
        await other.RegisterAsync(node);
        checkpoint = await node.Http.GetStringAsync("/checkpoint"); // Its key registration is an entry of the log.
        await Expect(403, ErrorCodes.Forbidden, () => node.GetAsync("/v1/contracts/contract-e/proofs?provider=errs", other.ReadToken));
        Assert.Equal(200, (await node.GetAsync("/v1/contracts/contract-e/proofs?provider=errs", provider.ReadToken)).Status);
        await Expect(404, ErrorCodes.NotFound, () => node.GetAsync("/v1/proofs/5"));
        await Expect(404, Problem.NotEvidence, () => node.GetAsync("/v1/proofs/0")); // A key registration, not evidence: no bundle of its own.

        // A key must prove possession: without its signature over its registration statement, or with another key's, no entry is written.
        using var squatter = new TestProvider("pop-less");
        var noPop = squatter.Registration();
        noPop["keys"]![0]!.AsObject().Remove("pop");
        await Expect(400, ErrorCodes.PopInvalid, () => node.PostAsync("/v1/admin/providers", noPop, node.AdminToken));
        using var victimKey = SigningKey.Generate(SignatureAlg.Ed25519);
        var stolen = squatter.Registration();
        var stolenKey = TestProvider.KeyJson(squatter.Id, squatter.KeyId, squatter.Key);
        foreach (var (name, value) in victimKey.Descriptor.ToJson()) stolenKey[name] = value?.DeepClone(); // Someone else's public key, our signature.
        stolen["keys"] = new JsonArray(stolenKey);
        await Expect(400, ErrorCodes.PopInvalid, () => node.PostAsync("/v1/admin/providers", stolen, node.AdminToken));
        stolenKey["keyId"] = "k2";
        await Expect(400, ErrorCodes.PopInvalid, () => node.PostAsync("/v1/admin/providers/errs/keys", stolenKey, node.AdminToken));
        await Expect(400, ErrorCodes.Malformed, () => node.PostAsync("/v1/admin/providers", new JsonObject
        {
            ["id"] = "badkey", ["name"] = "n",
            ["keys"] = new JsonArray(new JsonObject { ["keyId"] = "k1", ["alg"] = "ed25519", ["publicKey"] = "AAAA" }),
        }, node.AdminToken));

        await Expect(409, Problem.ProviderExists, () => node.PostAsync("/v1/admin/providers", provider.Registration(), node.AdminToken));
        await Expect(404, ErrorCodes.ProviderUnknown, () => node.GetAsync("/v1/admin/providers/nobody", node.AdminToken));

        // Revocation holds from now on; the entry received before it keeps a valid bundle.
        var (revokeStatus, _) = await node.SendAsync(HttpMethod.Delete, "/v1/admin/providers/errs/keys/k1", bearer: node.AdminToken);
        Assert.Equal(200, revokeStatus);
        checkpoint = await node.Http.GetStringAsync("/checkpoint"); // The revocation is an entry of the log.
        await Expect(403, ErrorCodes.KeyRevoked, () => node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence())));
        var shown = (await node.GetAsync("/v1/admin/providers/errs", node.AdminToken)).Body;
        Assert.Equal("k1", shown["keys"]![0]!["keyId"]!.GetValue<string>());
        Assert.NotNull(shown["keys"]![0]!["revokedAt"]);
        var listed = (await node.GetAsync("/v1/admin/providers", node.AdminToken)).Body["providers"]!.AsArray();
        Assert.Equal(["errs", "errs-2"], listed.Select(p => p!["id"]!.GetValue<string>()));
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        await Bundles.VerifyAsync((await node.GetAsync($"/v1/proofs/{original["leafIndex"]}")).Body, logKey);

        // Rate limit: requests naming a provider without its signature spend nothing of its bucket; its own signed
        // requests empty it; other providers are not affected.
        using var flood = new TestProvider("flood");
        await flood.RegisterAsync(node);
        for (var i = 0; i < 60; i++) Assert.Equal(400, (await Raw(node, "/v1/evidence", "{\"provider\": \"flood\"}")).Status);
        var forged = flood.Single(TestProvider.NewEvidence());
        forged["sig"] = Convert.ToBase64String(new byte[64]);
        for (var i = 0; i < 60; i++) Assert.Equal(ErrorCodes.SignatureInvalid, (await node.PostAsync("/v1/evidence", forged)).Body["code"]!.GetValue<string>());
        var statuses = new List<int>();
        for (var i = 0; i < 60; i++) statuses.Add((await node.PostAsync("/v1/evidence", flood.Single(TestProvider.NewEvidence()))).Status);
        Assert.Equal(Enumerable.Repeat(200, 40), statuses.Take(40));
        Assert.Contains(429, statuses);
        checkpoint = await node.Http.GetStringAsync("/checkpoint"); // The accepted ones moved it; refusals from here on must not.
        await Expect(429, ErrorCodes.RateLimited, () => node.PostAsync("/v1/evidence", flood.Single(TestProvider.NewEvidence())));
        await Expect(400, ErrorCodes.Malformed, () => Raw(node, "/v1/evidence", "{\"provider\": \"errs-2\"}"));
    }

    private static async Task<(int Status, JsonObject Body)> Raw(TestNode node, string path, string body, bool chunked = false)
    {
        using var response = await Post(node, path, body, chunked);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    /// <summary>A POST of <paramref name="body"/> as it is; <paramref name="chunked"/> sends it without a Content-Length.</summary>
    private static async Task<HttpResponseMessage> Post(TestNode node, string path, string body, bool chunked)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TransferEncodingChunked = chunked;
        return await node.Http.SendAsync(request);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
