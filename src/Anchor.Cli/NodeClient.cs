using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>The node refused a request: its RFC 9457 problem, with Anchor's stable code.</summary>
public sealed class NodeProblemException(int status, string code, string detail)
    : Exception($"{detail} ({code}, HTTP {status})")
{
    public int Status { get; } = status;
    public string Code { get; } = code;
}

/// <summary>The node's HTTP API (DESIGN A5), as the CLI uses it.</summary>
public sealed class NodeClient : IDisposable
{
    private readonly HttpClient _http;

    public NodeClient(string baseUrl, string? bearer = null, TimeSpan? timeout = null)
    {
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--node '{baseUrl}' is not an http(s) URL");
        _http = new HttpClient { BaseAddress = uri, Timeout = timeout ?? TimeSpan.FromSeconds(100) };
        if (bearer is not null) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
    }

    public Task<JsonObject> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);
    public Task<JsonObject> PostAsync(string path, JsonNode body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);
    public Task<JsonObject> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    public async Task<string> GetTextAsync(string path, CancellationToken ct)
    {
        using var response = await Send(new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/')), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw Problem(response, text);
        return text;
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await Send(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw Problem(response, text);
        if (text.Length == 0) return [];
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new NodeProblemException((int)response.StatusCode, "bad_response", "the node answered with JSON that is not an object");
        }
        catch (JsonException)
        {
            throw new NodeProblemException((int)response.StatusCode, "bad_response", "the node answered with something that is not JSON");
        }
    }

    private async Task<HttpResponseMessage> Send(HttpRequestMessage request, CancellationToken ct)
    {
        try
        {
            return await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new NodeProblemException(0, "unreachable", $"cannot reach the node at {_http.BaseAddress}: {e.Message}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new NodeProblemException(0, "timeout", $"the node at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
    }

    private static NodeProblemException Problem(HttpResponseMessage response, string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject problem && problem["code"] is JsonValue code)
                return new NodeProblemException((int)response.StatusCode, code.GetValue<string>(), problem["detail"]?.ToString() ?? problem["title"]?.ToString() ?? "");
        }
        catch (JsonException) { }
        return new NodeProblemException((int)response.StatusCode, "http_" + (int)response.StatusCode, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    public void Dispose() => _http.Dispose();
}
