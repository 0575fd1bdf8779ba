using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Anchor.Node.Tests;

/// <summary>A real node (Kestrel, Orleans silo, Redis) started in this process on free loopback ports.</summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestNode(WebApplication app, int httpPort, int operatorPort, string stateDir)
    {
        _app = app;
        StateDir = stateDir;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
        Operator = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{operatorPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The public listener (the API).</summary>
    public HttpClient Http { get; }

    /// <summary>The operator listener: /healthz, /metrics, /dashboard.</summary>
    public HttpClient Operator { get; }
    public string StateDir { get; }
    public IServiceProvider Services => _app.Services;
    public string AdminToken => File.ReadAllText(Path.Combine(StateDir, NodeState.AdminTokenFile)).Trim();

    public static string[] Args(string redis, string origin, string stateDir, params string[] extra)
    {
        // One cluster per log: nodes of the same origin join each other, other tests' nodes do not.
        var cluster = "c" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(origin)))[..12];
        return
        [
            $"--Anchor:Origin={origin}",
            $"--Anchor:StateDir={stateDir}",
            $"--Anchor:Redis:Connection={redis}",
            "--Anchor:Http:Address=127.0.0.1",
            $"--Anchor:Http:Port={RedisServer.FreePort()}",
            $"--Anchor:Http:OperatorPort={RedisServer.FreePort()}",
            // Every request of a test comes from 127.0.0.1: the per-client limit is out of the way unless a test sets it.
            "--Anchor:RateLimit:ClientPermitsPerSecond=1000000",
            "--Anchor:RateLimit:ClientBurst=1000000",
            $"--Anchor:Silo:Port={RedisServer.FreePort()}",
            $"--Anchor:Silo:GatewayPort={RedisServer.FreePort()}",
            $"--Anchor:Silo:ClusterId={cluster}",
            $"--Anchor:Silo:ServiceId={cluster}",
            "--Anchor:Sequencer:PeriodMilliseconds=50",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Orleans=Error",
            .. extra,
        ];
    }

    /// <param name="healthy">Wait until /healthz answers 200; false waits only until the node answers (a node refusing to sequence is unhealthy).</param>
    public static async Task<TestNode> StartAsync(string[] args, bool healthy = true)
    {
        // A free port can be taken by someone else between choosing and binding it: choose again then.
        for (var attempt = 1; ; attempt++)
        {
            var app = NodeApp.Build(args);
            try
            {
                await app.StartAsync();
            }
            catch (Exception ex) when (attempt < 3 && IsAddressInUse(ex))
            {
                await app.DisposeAsync();
                args = [.. args.Select(a => a.StartsWith("--Anchor:Http:Port=", StringComparison.Ordinal) || a.StartsWith("--Anchor:Silo:Port=", StringComparison.Ordinal)
                    || a.StartsWith("--Anchor:Silo:GatewayPort=", StringComparison.Ordinal) || a.StartsWith("--Anchor:Http:OperatorPort=", StringComparison.Ordinal)
                    ? a.Split('=')[0] + "=" + RedisServer.FreePort() : a)];
                continue;
            }
            var stateDir = args.Last(a => a.StartsWith("--Anchor:StateDir=", StringComparison.Ordinal)).Split('=', 2)[1];
            var node = new TestNode(app, Port(args, "Http:Port"), Port(args, "Http:OperatorPort"), stateDir);
            if (healthy) await node.WaitHealthyAsync();
            else await node.Http.GetAsync("/v1/node");
            return node;
        }
    }

    /// <summary>The last value given for a port setting (later arguments win, as in the node's configuration).</summary>
    private static int Port(string[] args, string setting) =>
        int.Parse(args.Last(a => a.StartsWith($"--Anchor:{setting}=", StringComparison.Ordinal)).Split('=')[1], CultureInfo.InvariantCulture);

    private static bool IsAddressInUse(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || e is IOException { Message: var m } && m.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                return true;
        return ex is AggregateException a && a.InnerExceptions.Any(IsAddressInUse);
    }

    public async Task WaitHealthyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var response = await Operator.GetAsync("/healthz");
            if (response.IsSuccessStatusCode) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("node not healthy: " + await response.Content.ReadAsStringAsync());
            await Task.Delay(100);
        }
    }

    public async Task<(int Status, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? bearer = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonNode.Parse(text)!.AsObject() : new JsonObject { ["text"] = text };
        return ((int)response.StatusCode, json);
    }

    public Task<(int Status, JsonObject Body)> PostAsync(string path, JsonNode body, string? bearer = null) => SendAsync(HttpMethod.Post, path, body, bearer);

    /// <summary>A GET as the operator (the admin token reads every entry) unless another <paramref name="bearer"/> is given.</summary>
    public Task<(int Status, JsonObject Body)> GetAsync(string path, string? bearer = null) => SendAsync(HttpMethod.Get, path, null, bearer ?? AdminToken);

    /// <summary>A GET without any token, as anyone on the network.</summary>
    public Task<(int Status, JsonObject Body)> GetAnonymousAsync(string path) => SendAsync(HttpMethod.Get, path);

    /// <summary>The status and problem code of an answer, to compare with one expected pair.</summary>
    public static (int Status, string? Code) Code((int Status, JsonObject Body) answer) => (answer.Status, answer.Body["code"]?.GetValue<string>());

    /// <summary>GET /healthz on the operator listener.</summary>
    public async Task<(int Status, JsonObject Body)> HealthAsync()
    {
        using var response = await Operator.GetAsync("/healthz");
        return ((int)response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Operator.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
