using System.CommandLine;
using Anchor.Cli;

namespace Anchor.Core.Tests.Json;

/// <summary>A fuzzed bundle through `anchor verify` in-process, as a user runs it from a file (the Core and node fuzz targets).</summary>
public static class FuzzedBundleVerify
{
    /// <returns>The exit code: 0 to 3, never an exception (the default handler is off, so one would escape to the test).</returns>
    public static async Task<int> RunAsync(MutatedJson input, string dir, string trustPath)
    {
        var path = Path.Combine(dir, "bundle.json");
        await File.WriteAllBytesAsync(path, input.Bytes);
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        int exit;
        try
        {
            exit = await AnchorCli.Root().Parse(["verify", path, "--trust", trustPath, "--json"])
                .InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            Assert.Fail($"anchor verify threw {e.GetType().Name} on [{input}] (ANCHOR_FUZZ_SEED={FuzzBudget.Seed}): {e}");
            throw;
        }
        Assert.True(exit is >= 0 and <= 3, $"anchor verify exited {exit} on [{input}]: {stdout}{stderr}");
        if (exit == 2) Assert.Contains("bundle_malformed", $"{stdout}{stderr}");
        return exit;
    }
}
