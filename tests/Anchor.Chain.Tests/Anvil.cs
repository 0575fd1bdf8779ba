using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Anchor.Chain.Tests;

/// <summary>
/// A real anvil (from contracts/node_modules, installed by `npm ci`) on a free 127.0.0.1 port, killed on dispose.
/// The platform binary is run directly rather than through node_modules/.bin/anvil (a node wrapper), so a
/// SIGTERM reaches anvil itself and --state is dumped on a graceful stop.
/// </summary>
public sealed class Anvil : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private Process? process;
    private readonly string[] extraArgs;
    private int requestId;

    public ulong ChainId { get; }
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    private Anvil(ulong chainId, int port, string[] extraArgs)
    {
        ChainId = chainId;
        Port = port;
        this.extraArgs = extraArgs;
    }

    public static async Task<Anvil> StartAsync(ulong chainId = 31337, params string[] extraArgs)
    {
        // A free port can be taken between FreePort and anvil's bind (Redis and other anvils of parallel test
        // assemblies pick ports the same way): anvil then exits at once, and another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var anvil = new Anvil(chainId, FreePort(), extraArgs);
            try
            {
                await anvil.StartProcessAsync();
                return anvil;
            }
            catch (InvalidOperationException) when (attempt < 5 && anvil.process is { HasExited: true })
            {
                await anvil.DisposeAsync();
            }
        }
    }

    /// <summary>The path of the anvil binary; fails the test (never skips) when `npm ci` has not run.</summary>
    public static string BinaryPath
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "win32" : OperatingSystem.IsMacOS() ? "darwin" : "linux";
            var arch = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64";
            var name = OperatingSystem.IsWindows() ? "anvil.exe" : "anvil";
            var path = System.IO.Path.Combine(RepoRoot.Contracts, "node_modules", "@foundry-rs", $"anvil-{os}-{arch}", "bin", name);
            if (!File.Exists(path))
                throw new InvalidOperationException($"anvil is not installed ({path} is missing): run `npm ci` in contracts/ (tests/run.sh does)");
            return path;
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo(BinaryPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--host", "127.0.0.1", "--port", Port.ToString(), "--chain-id", ChainId.ToString(), "--silent" }.Concat(extraArgs))
            info.ArgumentList.Add(arg);
        var stderr = new StringBuilder();
        process = Process.Start(info) ?? throw new InvalidOperationException("anvil did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"anvil exited with {process.ExitCode}: {stderr}");
            try
            {
                var id = await RpcAsync("eth_chainId");
                // Answered by this process, not by another server that holds the port and is about to make it exit.
                if (Convert.ToUInt64(id.GetString(), 16) == ChainId && !process.HasExited) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"anvil on port {Port} did not answer eth_chainId in 20 s");
            await Task.Delay(25);
        }
    }

    /// <summary>Stops anvil: SIGTERM first (so --state is dumped), SIGKILL after 5 s.</summary>
    public async Task StopAsync()
    {
        if (process is null) return;
        if (!process.HasExited)
        {
            if (!OperatingSystem.IsWindows()) _ = Kill(process.Id, 15);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
        }
        process.Dispose();
        process = null;
    }

    /// <summary>Starts anvil again on the same port with the same arguments.</summary>
    public Task RestartAsync() => process is null ? StartProcessAsync() : throw new InvalidOperationException("anvil is running");

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false }) process.Kill(entireProcessTree: true);
        if (process is not null) await process.WaitForExitAsync();
        process?.Dispose();
        process = null;
    }

    /// <summary>A raw JSON-RPC call, for anvil's test methods (evm_mine, anvil_reorg, …).</summary>
    public async Task<JsonElement> RpcAsync(string method, params object[] parameters)
    {
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = Interlocked.Increment(ref requestId), method, @params = parameters });
        using var response = await Http.PostAsync(Url, new StringContent(body, Encoding.UTF8, "application/json"));
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (doc.RootElement.TryGetProperty("error", out var error))
            throw new InvalidOperationException($"{method}: {error}");
        return doc.RootElement.GetProperty("result").Clone();
    }

    public Task MineAsync() => RpcAsync("evm_mine");

    public async Task<ulong> BlockNumberAsync() => Convert.ToUInt64((await RpcAsync("eth_blockNumber")).GetString(), 16);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
