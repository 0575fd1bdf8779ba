using System.Globalization;
using System.Text.RegularExpressions;

namespace Anchor.Node.Tests;

[Collection(NodeCollection.Name)]
public sealed class MetricsTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    [Fact]
    public async Task Metrics_count_submissions_by_code_and_describe_sequencing_on_the_operator_port_only()
    {
        var operatorPort = RedisServer.FreePort();
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "metrics.test/log", _state, $"--Anchor:Http:OperatorPort={operatorPort}"));
        using var provider = new TestProvider("metrics");
        await provider.RegisterAsync(node);

        for (var i = 0; i < 3; i++)
            Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
        var forged = provider.Single(TestProvider.NewEvidence());
        forged["sig"] = Convert.ToBase64String(new byte[64]);
        Assert.Equal(400, (await node.PostAsync("/v1/evidence", forged)).Status);
        using var stranger = new TestProvider("nobody");
        Assert.Equal(400, (await node.PostAsync("/v1/evidence", stranger.Single(TestProvider.NewEvidence()))).Status);
        Assert.Equal(200, (await node.PostAsync("/v1/evidence/batch", provider.Batch([TestProvider.NewEvidence(), TestProvider.NewEvidence()]))).Status);

        // The public port does not serve the operator's routes.
        Assert.Equal(404, (int)(await node.Http.GetAsync("/metrics")).StatusCode);
        Assert.Equal(404, (int)(await node.Http.GetAsync("/dashboard")).StatusCode);

        using var ops = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{operatorPort}") };
        // Gauges are sampled in the background every few seconds; wait for the first Redis sample.
        var text = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(15); DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            text = await ops.GetStringAsync("/metrics");
            if (text.Contains("anchor_redis_latency_seconds", StringComparison.Ordinal)) break;
        }
        Assert.Equal(3, Value(text, "anchor_submissions_accepted_total", "route=\"single\""));
        Assert.Equal(1, Value(text, "anchor_submissions_accepted_total", "route=\"batch\""));
        Assert.Equal(1, Value(text, "anchor_submissions_rejected_total", "code=\"signature_invalid\""));
        Assert.Equal(1, Value(text, "anchor_submissions_rejected_total", "code=\"provider_unknown\""));
        Assert.Equal(4, Value(text, "anchor_receipt_latency_seconds_count", "route=\"single\"") + Value(text, "anchor_receipt_latency_seconds_count", "route=\"batch\""));
        // Five records in at most four commits (the batch of two is never split); the sum counts records.
        Assert.Equal(5, Value(text, "anchor_sequencer_batch_size_sum", ""));
        Assert.InRange(Value(text, "anchor_sequencer_commit_duration_seconds_count", ""), 1, 4);
        Assert.InRange(Value(text, "anchor_redis_latency_seconds", ""), 0, 1);
        Assert.DoesNotContain(node.AdminToken, text, StringComparison.Ordinal);

        var dashboard = await ops.GetAsync("/dashboard/");
        Assert.True(dashboard.IsSuccessStatusCode, $"dashboard: {(int)dashboard.StatusCode}");
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The value of the one sample of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Value(string exposition, string name, string label)
    {
        var samples = exposition.Split('\n')
            .Where(l => Regex.IsMatch(l, "^" + Regex.Escape(name) + @"(\{|\s)") && l.Contains(label, StringComparison.Ordinal))
            .ToList();
        Assert.True(samples.Count == 1, $"{name} {label}: {samples.Count} samples in\n{exposition}");
        // name{labels} value [timestamp]
        var rest = samples[0].Contains('}') ? samples[0][(samples[0].LastIndexOf('}') + 1)..] : samples[0][name.Length..];
        return double.Parse(rest.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
