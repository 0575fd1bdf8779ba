using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Node.Api;

namespace Anchor.Node.Tests;

/// <summary>
/// Bad input of every kind gets a problem+json answer with a stable code, whoever produces the error (a handler,
/// routing, or Kestrel before any middleware), and leaves the ledger unchanged.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class InputStrictnessTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-strict-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Only_canonical_base64_signatures_and_keys_are_taken()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "strict-b64.test/log", _state));
        using var provider = new TestProvider("b64");
        await provider.RegisterAsync(node);
        var checkpoint = await node.Http.GetStringAsync("/checkpoint");
        var request = provider.Single(TestProvider.NewEvidence());
        var sig = request["sig"]!.GetValue<string>();
        Assert.EndsWith("==", sig); // 64 bytes: the last quad holds one byte, its second character 4 padding bits.

        // Each decodes (leniently) to the same 64 bytes, so each would verify: only the spelling is wrong.
        var spellings = new Dictionary<string, string>
        {
            ["a newline inside"] = sig[..40] + "\n" + sig[40..],
            ["a space inside"] = sig[..40] + " " + sig[40..],
            ["a trailing newline"] = sig + "\n",
            ["no padding"] = sig.TrimEnd('='),
            ["non-zero padding bits"] = sig[..^3] + NextWithSameByte(sig[^3]) + "==",
        };
        foreach (var (what, spelling) in spellings)
        {
            Assert.Equal(Convert.FromBase64String(sig), Convert.FromBase64String(what == "no padding" ? spelling + "==" : spelling));
            var forged = request.DeepClone().AsObject();
            forged["sig"] = spelling;
            var (status, body) = await node.PostAsync("/v1/evidence", forged);
            Assert.True(status == 400 && body["code"]?.GetValue<string>() == ErrorCodes.Malformed, $"sig with {what}: {status} {body.ToJsonString()}");
        }
        Assert.Equal(checkpoint, await node.Http.GetStringAsync("/checkpoint"));
        Assert.Equal(200, (await node.PostAsync("/v1/evidence", request)).Status);

        // Keys are read the same way.
        using var other = new TestProvider("b64-key");
        var registration = other.Registration();
        var key = registration["keys"]![0]!.AsObject();
        key["publicKey"] = key["publicKey"]!.GetValue<string>()[..8] + "\n" + key["publicKey"]!.GetValue<string>()[8..];
        var (keyStatus, keyBody) = await node.PostAsync("/v1/admin/providers", registration, node.AdminToken);
        Assert.True(keyStatus == 400 && keyBody["code"]?.GetValue<string>() == ErrorCodes.Malformed, keyBody.ToJsonString());
    }

    /// <summary>A base64 character whose top 2 bits equal <paramref name="c"/>'s and whose low 4 differ: the same byte, other padding bits.</summary>
    private static char NextWithSameByte(char c)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var value = alphabet.IndexOf(c, StringComparison.Ordinal);
        return alphabet[(value & 0b110000) | 0b000001];
    }

    [Fact]
    public async Task Every_error_status_is_problem_json_whoever_answers_it()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "strict-http.test/log", _state));
        using var provider = new TestProvider("http");
        await provider.RegisterAsync(node);
        var checkpoint = await node.Http.GetStringAsync("/checkpoint");
        var port = node.Http.BaseAddress!.Port;

        // Content-Type: JSON in UTF-8 only (415 otherwise), on every route that reads a body.
        foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded", "application/json; charset=iso-8859-1", "application/jsonx", null })
        {
            using var content = new StringContent(provider.Single(TestProvider.NewEvidence()).ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = type is null ? null : MediaTypeHeaderValue.Parse(type);
            await ExpectProblem(415, Problem.UnsupportedMediaType, await node.Http.PostAsync("/v1/evidence", content));
        }
        using (var admin = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/providers") { Content = new StringContent("{}", Encoding.UTF8, "text/plain") })
        {
            admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", node.AdminToken);
            await ExpectProblem(415, Problem.UnsupportedMediaType, await node.Http.SendAsync(admin));
        }
        using (var upper = new StringContent(provider.Single(TestProvider.NewEvidence()).ToJsonString(), Encoding.UTF8))
        {
            upper.Headers.ContentType = MediaTypeHeaderValue.Parse("Application/JSON; charset=UTF-8");
            Assert.Equal(HttpStatusCode.OK, (await node.Http.PostAsync("/v1/evidence", upper)).StatusCode);
        }
        checkpoint = await node.Http.GetStringAsync("/checkpoint");

        // Routing's own answers.
        await ExpectProblem(404, ErrorCodes.NotFound, await node.Http.GetAsync("/no/such/route"));
        var notAllowed = await node.Http.DeleteAsync("/checkpoint");
        await ExpectProblem(405, Problem.MethodNotAllowed, notAllowed);
        Assert.Contains("GET", notAllowed.Content.Headers.Allow);
        // Kestrel's, refused before any middleware runs.
        await ExpectProblem(414, Problem.UriTooLong, await node.Http.GetAsync("/v1/proofs/" + new string('1', 9000)));
        using (var big = new HttpRequestMessage(HttpMethod.Get, "/checkpoint"))
        {
            big.Headers.Add("X-Padding", new string('a', 40_000));
            await ExpectProblem(431, Problem.HeadersTooLarge, await node.Http.SendAsync(big));
        }
        await ExpectRawProblem(port, "GET /v1/proofs/%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, ErrorCodes.Malformed);
        await ExpectRawProblem(port, "GET /%00/../checkpoint HTTP/1.1\r\nHost: x\r\n\r\n", 400, ErrorCodes.Malformed);
        await ExpectRawProblem(port, "NOT HTTP AT ALL\r\n\r\n", 400, ErrorCodes.Malformed);
        await ExpectRawProblem(port, "GET /checkpoint HTTP/9.9\r\nHost: x\r\n\r\n", 505, ErrorCodes.Malformed);
        // A refusal after a good answer on the same connection: the first answer is left as it was.
        var both = await RawAsync(port, "GET /checkpoint HTTP/1.1\r\nHost: x\r\n\r\nGET /%00 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", both, StringComparison.Ordinal);
        Assert.Contains(checkpoint, both, StringComparison.Ordinal);
        Assert.Contains("HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\n", both, StringComparison.Ordinal);

        // A body shorter than its Content-Length: 400 malformed once Kestrel stops waiting for the rest (not 408).
        var shortBody = await RawAsync(port, "POST /v1/evidence HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"provider\":",
            keepOpen: true);
        Assert.StartsWith("HTTP/1.1 400 ", shortBody, StringComparison.Ordinal);
        Assert.Equal(ErrorCodes.Malformed, JsonNode.Parse(shortBody[(shortBody.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..])!["code"]!.GetValue<string>());

        // None of it touched the ledger, and the node still answers.
        Assert.Equal(checkpoint, await node.Http.GetStringAsync("/checkpoint"));
        Assert.Equal(200, (await node.HealthAsync()).Status);
    }

    private static async Task ExpectProblem(int status, string code, HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"want {status} {code}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal(code, problem["code"]!.GetValue<string>());
        Assert.Equal("urn:anchor:error:" + code, problem["type"]!.GetValue<string>());
        Assert.Equal(status, problem["status"]!.GetValue<int>());
    }

    private static async Task ExpectRawProblem(int port, string request, int status, string code)
    {
        var response = await RawAsync(port, request);
        var head = response[..response.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.StartsWith($"HTTP/1.1 {status} ", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json", head, StringComparison.Ordinal);
        var body = response[(head.Length + 4)..];
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", head + "\r\n", StringComparison.Ordinal);
        Assert.Equal(code, JsonNode.Parse(body)!["code"]!.GetValue<string>());
    }

    /// <summary>Sends bytes as they are and reads until the server closes (or, with <paramref name="keepOpen"/>, answers), 30 s at most.</summary>
    private static async Task<string> RawAsync(int port, string request, bool keepOpen = false)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[65536];
        int read;
        while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
        {
            received.Write(buffer, 0, read);
            var text = Encoding.UTF8.GetString(received.ToArray());
            // A kept-open connection ends its answer where its Content-Length says.
            if (keepOpen && text.IndexOf("\r\n\r\n", StringComparison.Ordinal) is > 0 and var end
                && System.Text.RegularExpressions.Regex.Match(text[..end], "Content-Length: (\\d+)") is { Success: true } length
                && Encoding.UTF8.GetByteCount(text[(end + 4)..]) >= int.Parse(length.Groups[1].Value))
                return text;
        }
        return Encoding.UTF8.GetString(received.ToArray());
    }
}
