using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// A private redis-server on a free loopback port, with AOF on (fsynced on every write) and RDB snapshots off, in a temporary
/// folder; killed and removed after. A missing redis-server fails the tests: it must never skip them.
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>A Redis of one test (not a fixture): <c>await using var redis = await RedisServer.StartAsync(new() { … })</c>.</summary>
    public static async Task<RedisServer> StartAsync(RedisServer server)
    {
        await server.InitializeAsync();
        return server;
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private Process? _process;
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-redis-").FullName;

    /// <summary>False only for the test that shows the node refusing a Redis without AOF.</summary>
    public bool AppendOnly { get; init; } = true;

    /// <summary>
    /// What a durable node requires (every write fsynced before Redis answers); everysec only to show it refused. It costs
    /// the tests little (14 tests of the node, measured: 30 and 27 s with always, 24 and 19 s with everysec and a relaxed
    /// node), so they run what production runs.
    /// </summary>
    public string AppendFsync { get; init; } = "always";
    /// <summary>More redis-server arguments, e.g. <c>--replicaof</c> or <c>--rename-command CONFIG ""</c>.</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    public int Port { get; private set; }

    /// <summary>False once killed (or exited).</summary>
    public bool Running => _process is { HasExited: false };
    public string Connection => $"127.0.0.1:{Port}";

    /// <summary>The AOF folder (Redis 7: a manifest, a base file and increments).</summary>
    public string AofDir => Path.Combine(_dir, "appendonlydir");

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
        foreach (var a in ExtraArgs) start.ArgumentList.Add(a);
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

    /// <summary>kill -9: Redis gets no chance to flush anything; what it wrote is in the files (and the page cache).</summary>
    public void Kill()
    {
        if (_process is not { HasExited: false }) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
    }

    /// <summary>Starts Redis again on the same port and folder (after <see cref="Kill"/>): it loads what the AOF holds.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process?.Dispose();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Start(output);
        if (!await ReadyAsync()) throw new InvalidOperationException($"redis-server did not restart:\n{string.Join("\n", output)}");
    }

    /// <summary>A copy of the AOF folder as it is now (with appendfsync always: every write Redis answered).</summary>
    public string CopyAof()
    {
        var copy = Directory.CreateTempSubdirectory("anchor-aof-").FullName;
        foreach (var file in Directory.GetFiles(AofDir)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        return copy;
    }

    /// <summary>Kills Redis, puts <paramref name="copy"/> (from <see cref="CopyAof"/>) in place of its AOF, and starts it again: Redis goes back in time.</summary>
    public async Task RestoreAofAsync(string copy)
    {
        Kill();
        Directory.Delete(AofDir, recursive: true);
        Directory.CreateDirectory(AofDir);
        foreach (var file in Directory.GetFiles(copy)) File.Copy(file, Path.Combine(AofDir, Path.GetFileName(file)));
        await RestartAsync();
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

    /// <summary>
    /// A loopback port free now and never handed out before in this process: the kernel may give the same ephemeral port
    /// to two asks in a row, and a node given it for two listeners refuses to start (seen: operator port = HTTP port).
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
                if (HandedOut.Add(port)) return port;
        }
    }

    private static readonly HashSet<int> HandedOut = [];
}

[CollectionDefinition(Name)]
public sealed class NodeCollection : ICollectionFixture<RedisServer>
{
    public const string Name = "node";
}
