using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Chain.Tests;

namespace Anchor.Node.Tests;

/// <summary>Runs a script of deploy/ with bash, as an operator would, and keeps what it printed.</summary>
public static class DeployScript
{
    public static Task<(int Exit, string Output)> RunAsync(string script, TimeSpan timeout, params string[] args) =>
        RunAsync(script, timeout, new Dictionary<string, string>(), args);

    /// <param name="environment">Extra environment for the script and the processes it starts (node settings such as Anchor__Silo__…).</param>
    public static async Task<(int Exit, string Output)> RunAsync(string script, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment) info.Environment[name] = value;
        info.ArgumentList.Add(Path.Combine(RepoRoot.Path, "deploy", script));
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} {string.Join(' ', args)} did not finish in {timeout.TotalSeconds} s:\n{output}");
        }
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>The process IDs a script recorded in STATE/pids.</summary>
    public static Dictionary<string, int> Pids(string state) =>
        Directory.GetFiles(Path.Combine(state, "pids"), "*.pid").ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => int.Parse(File.ReadAllText(f).Trim()));

    public static bool Alive(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static async Task<JsonNode> RpcAsync(HttpClient http, string url, string method, params object[] parameters)
    {
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(parameters)) };
        using var response = await http.PostAsync(url, new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["result"]!;
    }
}

/// <summary>The deploy/ script tests start several processes each; they run alone, so other suites' timings are not disturbed by them, nor they by others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DeployCollection
{
    public const string Name = "deploy";
}
