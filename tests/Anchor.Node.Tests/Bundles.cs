using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Node.Tests;

/// <summary>Checks bundles the way a court would: offline, with Core's one verifier and the published log key.</summary>
public static class Bundles
{
    public static async Task VerifyAsync(JsonNode? bundle, string logKey)
    {
        Assert.NotNull(bundle);
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = TrustFile.ForLogKey(logKey) });
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Status} {c.Name}: {c.Detail}")));
    }
}
