using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace Anchor.Core.Tests.Timestamping;

/// <summary>
/// The development TSA of the quickstart (deploy/dev-tsa.mjs: OpenSSL's `openssl ts -reply` behind Node.js), started on
/// a port it picks itself, with its CA and certificate generated into a temporary folder; killed and removed after.
/// A missing node or openssl fails the tests: they must never skip.
/// </summary>
public sealed class DevTsa : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Process _process;
    private readonly string _state;

    private DevTsa(Process process, string state, string url)
    {
        _process = process;
        _state = state;
        Url = url;
    }

    public string Url { get; }

    /// <summary>The TSA's root certificate (PEM file), as the quickstart names it in node.json.</summary>
    public string RootFile => Path.Combine(_state, "tsa-root.pem");
    public string RootPem => File.ReadAllText(RootFile);
    public string StateDir => _state;

    public static async Task<DevTsa> StartAsync(string repoRoot, string? state = null)
    {
        state ??= Directory.CreateTempSubdirectory("anchor-devtsa-").FullName;
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            ArgumentList = { Path.Combine(repoRoot, "deploy", "dev-tsa.mjs"), "--state", state, "--port", "0" },
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("node is not on PATH; the development TSA needs Node.js and openssl", e);
        }
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { lock (errors) errors.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("dev-tsa listening on ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            lock (errors) throw new InvalidOperationException($"deploy/dev-tsa.mjs did not start: {line}\n{errors}");
        }
        return new DevTsa(process, state, line["dev-tsa listening on ".Length..].Split(' ')[0]);
    }

    /// <summary>POSTs an RFC 3161 query and returns the TimeStampResp bytes.</summary>
    public async Task<byte[]> ReplyAsync(byte[] query)
    {
        using var content = new ByteArrayContent(query);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await Http.PostAsync(Url, content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { }
    }
}
