using System.Diagnostics;
using System.Globalization;

namespace Anchor.Grains.Anchoring;

/// <summary>
/// Test-only fault injection for the fault suite (tests/faults.sh), off unless its environment variables name files.
/// Each drill is armed by creating its file and fires once (the file is deleted first), so a node restarted with the
/// same environment runs normally:
/// <list type="bullet">
/// <item><c>ANCHOR_FAULT_ANCHOR_GAS_FILE</c>: the next anchor transaction is signed with the gas limit the file holds
/// instead of the estimate (too little gas: a real out-of-gas revert on chain, as an L2's misestimate gives);</item>
/// <item><c>ANCHOR_FAULT_EXIT_AFTER_SEND_FILE</c>: the process kills itself (SIGKILL) right after the next anchor
/// transaction is sent, before its receipt is recorded.</item>
/// </list>
/// </summary>
public static class FaultDrill
{
    public static ulong? TakeAnchorGas() =>
        Take("ANCHOR_FAULT_ANCHOR_GAS_FILE") is { } text ? ulong.Parse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture) : null;

    public static void AfterAnchorSent()
    {
        if (Take("ANCHOR_FAULT_EXIT_AFTER_SEND_FILE") is null) return;
        using var self = Process.GetCurrentProcess();
        self.Kill(); // SIGKILL: nothing after the send runs, as in a crash.
    }

    private static string? Take(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } path || !File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        File.Delete(path);
        return text;
    }
}
