using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// A private redis-server on a free loopback port, with AOF on (fsynced on every write) and RDB snapshots off, in a temporary
/// folder; killed and removed after. A missing redis-server fails the tests: it must never skip them.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-redis-").FullName;

    /// <summary>False only for the test that shows the node refusing a Redis without AOF.</summary>
    public bool AppendOnly { get; init; } = true;

    /// <summary>What a durable node requires (every write fsynced before Redis answers); everysec only to show it refused.</summary>
    public string AppendFsync { get; init; } = "always";
    public int Port { get; private set; }
    public string Connection => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        // A free port can be taken between FreePort and redis-server's bind (anvil and other servers of parallel test
        // assemblies pick ports the same way): redis-server then exits at once, and another port is tried.
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            output.Clear();
            Start(output);
            if (await ReadyAsync()) return;
            if (attempt == 5)
                throw new InvalidOperationException($"redis-server did not start on 5 ports; its last output:\n{string.Join("\n", output)}");
            _process!.Dispose();
        }
    }

    private void Start(System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList =
            {
                "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--appendonly", AppendOnly ? "yes" : "no", "--appendfsync", AppendFsync, "--dir", _dir, "--save", "", "--daemonize", "no",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                "redis-server is not on PATH; the node tests need a real Redis. Install it (apt-get install redis-server, as tests/run.sh does) and run again.", ex);
        }
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>True once the server answers PING; false if it exited first. Throws if it neither answers nor exits in 10 s.</summary>
    private async Task<bool> ReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var redis = await ConnectionMultiplexer.ConnectAsync(Connection);
                await redis.GetDatabase().PingAsync();
                return true;
            }
            catch (RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                if (_process!.HasExited) return false;
                await Task.Delay(50);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process?.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "node";
}
