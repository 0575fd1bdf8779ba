using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Anchor.Chain.Tests;

/// <summary>A JSON-RPC pass-through to a real endpoint that keeps every request it forwarded, to see what a client asks on the wire.</summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _http = new();
    private readonly List<JsonObject> _requests = [];
    private readonly string _target;
    private readonly Task _loop;

    public string Url { get; }
    public IReadOnlyList<JsonObject> Requests { get { lock (_requests) return [.. _requests]; } }

    private RecordingProxy(string target, int port)
    {
        _target = target;
        Url = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public static Task<RecordingProxy> StartAsync(string target)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return Task.FromResult(new RecordingProxy(target, port));
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (JsonNode.Parse(body) is JsonObject request) lock (_requests) _requests.Add(request);
            var answer = await _http.PostAsync(_target, new StringContent(body, Encoding.UTF8, "application/json"));
            var bytes = await answer.Content.ReadAsByteArrayAsync();
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try { await _loop; } catch (ObjectDisposedException) { }
        _http.Dispose();
    }
}
