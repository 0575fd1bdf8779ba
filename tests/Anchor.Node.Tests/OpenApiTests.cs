using System.Text.Json.Nodes;

namespace Anchor.Node.Tests;

/// <summary>The OpenAPI document /scalar reads: only the API listener's routes, each with its schemas and the bearer scheme that opens it.</summary>
[Collection(NodeCollection.Name)]
public sealed class OpenApiTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task The_document_describes_every_api_route_with_schemas_and_security_and_no_operator_route()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "openapi.test/log", _state));
        var document = JsonNode.Parse(await node.Http.GetStringAsync("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        Assert.DoesNotContain(paths, p => p.Key.StartsWith("/dashboard", StringComparison.Ordinal) || p.Key is "/metrics" or "/healthz");
        // The dashboard really is not served here, so a route listed under it would only mislead.
        Assert.Equal(404, (int)(await node.Http.GetAsync("/dashboard/")).StatusCode);

        var schemas = document["components"]!["schemas"]!.AsObject();
        var schemes = document["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", schemes["adminToken"]!["scheme"]!.GetValue<string>());
        Assert.Equal("bearer", schemes["readToken"]!["scheme"]!.GetValue<string>());
        var operations = 0;
        foreach (var (path, item) in paths)
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                operations++;
                var where = $"{method.ToUpperInvariant()} {path}";
                var ok = operation!["responses"]!.AsObject().Where(r => r.Key.StartsWith('2')).ToList();
                Assert.True(ok.Count == 1, $"{where}: {ok.Count} success answers");
                var content = ok[0].Value!["content"]!.AsObject().Single();
                Assert.True(content.Value!["schema"] is JsonObject, $"{where}: no answer schema");
                foreach (var (code, response) in operation["responses"]!.AsObject().Where(r => !r.Key.StartsWith('2')))
                    Assert.True(response!["content"]?["application/problem+json"]?["schema"] is JsonObject, $"{where} {code}: no problem schema");
                // Rotating a read token and freezing a log (POST /v1/admin/logs/{origin}/freeze) take no body.
                if (method == "post" && !path.EndsWith("/read-token", StringComparison.Ordinal) && path != "/v1/admin/logs/{path}")
                    Assert.True(operation["requestBody"]?["content"]?["application/json"]?["schema"] is JsonObject, $"{where}: no request schema");
                var security = operation["security"]?.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).ToList() ?? [];
                if (path.StartsWith("/v1/admin", StringComparison.Ordinal)) Assert.Equal(["adminToken"], security);
                else if (path.StartsWith("/v1/proofs", StringComparison.Ordinal) || path.StartsWith("/v1/contracts", StringComparison.Ordinal))
                    Assert.Equal(["readToken", "adminToken"], security);
                else Assert.Empty(security);
            }
        }
        Assert.True(operations >= 16, $"{operations} operations");
        // Every reference names a schema the document holds.
        var text = document.ToJsonString();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, "\"#/components/schemas/([^\"]+)\""))
            Assert.True(schemas.ContainsKey(m.Groups[1].Value), $"dangling reference {m.Value}");
        Assert.Equal(["evidence", "keyId", "provider", "sig"], schemas["Submission"]!["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order());
        Assert.True((await node.Http.GetAsync("/scalar")).IsSuccessStatusCode);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
