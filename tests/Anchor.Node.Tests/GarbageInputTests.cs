using System.Net.Http.Headers;
using System.Text;

namespace Anchor.Node.Tests;

/// <summary>The node never crashes on input: mangled bodies get a 4xx problem, never a 500, and the log stays whole.</summary>
[Collection(NodeCollection.Name)]
public sealed class GarbageInputTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Mangled_bodies_get_problems_and_never_a_server_error()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "garbage.test/log", _state));
        using var provider = new TestProvider("mangled");
        await provider.RegisterAsync(node);
        var random = new Random(20261126);
        var bodies = new[]
        {
            ("/v1/evidence", provider.Single(TestProvider.NewEvidence()).ToJsonString()),
            ("/v1/evidence/batch", provider.Batch([TestProvider.NewEvidence(), TestProvider.NewEvidence()]).ToJsonString()),
            ("/v1/admin/providers", new TestProvider("other").Registration().ToJsonString()),
        };
        var accepted = 0;
        var acceptedRecords = 0;
        for (var i = 0; i < 300; i++)
        {
            var (path, body) = bodies[i % bodies.Length];
            var mangled = Mangle(body, random);
            using var content = new ByteArrayContent(mangled);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.AdminToken);
            using var response = await node.Http.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is (>= 200 and < 300) or (>= 400 and < 500), $"{path} answered {status} to {Encoding.UTF8.GetString(mangled)}: {await response.Content.ReadAsStringAsync()}");
            if (status >= 400) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            else
            {
                accepted++;
                if (path.StartsWith("/v1/evidence", StringComparison.Ordinal)) acceptedRecords += path.EndsWith("/batch", StringComparison.Ordinal) ? 2 : 1;
            }
        }
        // Whatever was accepted is in a log that still verifies end to end.
        var logKey = (await node.GetAsync("/v1/node")).Body["logKey"]!.GetValue<string>();
        var size = ulong.Parse((await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1]);
        // Key registrations are entries too, without bundles of their own; every evidence entry has one that verifies.
        var evidence = 0;
        for (ulong i = 0; i < size; i++)
        {
            var (status, bundle) = await node.GetAsync($"/v1/proofs/{i}");
            if (status == 404 && bundle["code"]?.GetValue<string>() == "not_evidence") continue;
            await Bundles.VerifyAsync(bundle, logKey);
            evidence++;
        }
        Assert.Equal(acceptedRecords, evidence);
        Assert.True(accepted < 300);
    }

    private static byte[] Mangle(string json, Random random)
    {
        var bytes = Encoding.UTF8.GetBytes(json).ToList();
        switch (random.Next(5))
        {
            case 0: return [.. bytes.Take(random.Next(bytes.Count))];                       // Truncated.
            case 1: bytes[random.Next(bytes.Count)] = (byte)random.Next(256); break;     // One byte replaced.
            case 2: bytes.Insert(random.Next(bytes.Count), (byte)"{}[]\",:0\\"[random.Next(9)]); break; // Structure injected.
            case 3: bytes.RemoveAt(random.Next(bytes.Count)); break;                      // One byte dropped.
            default:
                var at = random.Next(bytes.Count);
                bytes.InsertRange(at, Encoding.UTF8.GetBytes("\"x\":1e999,")); break;    // Numbers where only strings go.
        }
        return [.. bytes];
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
