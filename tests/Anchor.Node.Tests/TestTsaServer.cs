using System.Net;
using Anchor.Core.Tests.Timestamping;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Anchor.Node.Tests;

/// <summary>
/// A <see cref="TestTsa"/> served over HTTP as RFC 3161 section 3.4 asks (POST application/timestamp-query, answer
/// application/timestamp-reply) on a loopback port, behind a <see cref="TcpProxy"/>: <see cref="Down"/> is a TSA
/// outage as the node sees it (connections refused), <see cref="Up"/> ends it.
/// </summary>
public sealed class TestTsaServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TcpProxy _proxy;
    private int _requests;

    private TestTsaServer(TestTsa tsa, WebApplication app, TcpProxy proxy)
    {
        Tsa = tsa;
        _app = app;
        _proxy = proxy;
    }

    public TestTsa Tsa { get; }
    public string Url => _proxy.Url + "/";
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The TSA's root certificate written to a PEM file, for the node's Roots setting.</summary>
    public string WriteRoot(string folder)
    {
        var path = Path.Combine(folder, $"root-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, Tsa.RootPem);
        return path;
    }

    public static async Task<TestTsaServer> StartAsync(TestTsa tsa)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        TestTsaServer? server = null;
        app.MapPost("/", async (HttpContext context) =>
        {
            Interlocked.Increment(ref server!._requests);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var reply = tsa.Reply(body.ToArray());
            context.Response.ContentType = "application/timestamp-reply";
            await context.Response.Body.WriteAsync(reply);
        });
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        var proxy = new TcpProxy(port);
        proxy.Start();
        server = new TestTsaServer(tsa, app, proxy);
        return server;
    }

    public void Down() => _proxy.Stop();
    public void Up() => _proxy.Start();

    public async ValueTask DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
