using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Tests.Json;
using Anchor.Node.Api;
using Xunit.Abstractions;

namespace Anchor.Node.Tests;

/// <summary>
/// The fuzz target over HTTP: mutated submissions (<see cref="JsonMutations"/>) at a real node's POST /v1/evidence and
/// POST /v1/evidence/batch, and mutated bundles the node served through `anchor verify` in-process, for
/// <see cref="FuzzBudget"/>'s time. Never a 5xx: every refusal is problem+json with one of the API's stable codes; the
/// log grows by exactly the records acknowledged (a mutation can leave a signed body valid, e.g. whitespace); the node
/// stays up and still takes a genuine submission.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class FuzzTests(RedisServer redis, ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    /// <summary>The codes a refusal of a body may carry: the API's stable codes, less those that mean the server failed.</summary>
    private static readonly HashSet<string> Codes =
    [
        .. typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!),
        .. typeof(Problem).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.Name != nameof(Problem.ContentType)).Select(f => (string)f.GetValue(null)!),
    ];

    [Fact]
    public async Task Mutated_submissions_get_problems_with_stable_codes_and_leave_the_log_as_acknowledged()
    {
        Codes.ExceptWith([Problem.Internal, Problem.Unavailable, Problem.StorageInconsistent, ErrorCodes.LogRolledBack]);
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "fuzz.test/log", _state));
        using var provider = new TestProvider("fuzzed");
        await provider.RegisterAsync(node);
        var (status, first) = await node.PostAsync("/v1/evidence?wait=checkpoint", provider.Single(TestProvider.NewEvidence()));
        Assert.Equal(200, status);
        var trustPath = Path.Combine(_state, "trust.json");
        await File.WriteAllTextAsync(trustPath, await node.Http.GetStringAsync("/v1/trust"));

        var seeds = new (string Path, JsonObject Seed)[]
        {
            ("/v1/evidence", provider.Single(TestProvider.NewEvidence())),
            ("/v1/evidence/batch", provider.Batch([.. Enumerable.Range(0, 3).Select(i => TestProvider.NewEvidence($"c-{i}"))])),
            ("bundle", first["bundle"]!.AsObject()),
        };
        var before = await SizeAsync(node);
        var acknowledged = new HashSet<string>(StringComparer.Ordinal); // Leaf indices: a replay of an acknowledged body gets its receipt again.
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        var verified = new int[4];
        var passing = new List<string>(); // Mutations after which the bundle still verifies: they changed nothing signed.
        var inputs = seeds.Select((s, i) => FuzzBudget.Inputs(s.Seed, i)).ToList();
        var tried = await FuzzBudget.RunAsync(inputs, FuzzBudget.Seconds(15), async (target, input) =>
        {
            if (seeds[target].Path == "bundle")
            {
                var exit = await FuzzedBundleVerify.RunAsync(input, _state, trustPath);
                verified[exit]++;
                if (exit == 0 && passing.Count < 5) passing.Add(input.What);
                return;
            }
            using var content = new ByteArrayContent(input.Bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await node.Http.PostAsync(seeds[target].Path, content);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            if (status == 200)
            {
                var answer = JsonNode.Parse(text)!;
                // One record's receipt names its leaf; a batch's names runs of leaves (firstIndex, count).
                if (answer["receipts"] is JsonArray runs)
                    foreach (var run in runs)
                        for (var i = 0UL; i < ulong.Parse(run!["count"]!.GetValue<string>()); i++)
                            acknowledged.Add((ulong.Parse(run["firstIndex"]!.GetValue<string>()) + i).ToString());
                else acknowledged.Add(answer["receipt"]!["leafIndex"]!.GetValue<string>());
                return;
            }
            Assert.True(status is >= 400 and < 500, $"{seeds[target].Path} answered {status} to [{input}]: {text}");
            Assert.Equal(Problem.ContentType, response.Content.Headers.ContentType?.MediaType);
            var code = JsonNode.Parse(text)?["code"]?.GetValue<string>() ?? "";
            Assert.True(Codes.Contains(code), $"{seeds[target].Path} answered {status} with code '{code}', not a stable code, to [{input}]: {text}");
            refusals[code] = refusals.GetValueOrDefault(code) + 1;
        });
        output.WriteLine($"seed {FuzzBudget.Seed}: {tried} inputs, {acknowledged.Count} record(s) acknowledged, refusals {string.Join(", ", refusals.OrderBy(r => r.Key).Select(r => $"{r.Key} {r.Value}"))}; " +
            $"anchor verify exits 0/1/2/3: {string.Join("/", verified)}");

        foreach (var what in passing) output.WriteLine("verifies after: " + what);
        // The node is up, the log holds what was acknowledged and nothing else, and a genuine submission still passes.
        Assert.Equal(200, (await node.HealthAsync()).Status);
        var expected = before + (ulong)acknowledged.Count;
        Assert.Equal(expected, await SizeAsync(node, expected));
        Assert.Equal(200, (await node.PostAsync("/v1/evidence", provider.Single(TestProvider.NewEvidence()))).Status);
        Assert.True(refusals.Values.Sum() > 0 && verified[2] > 0);
    }

    /// <summary>The size of the latest checkpoint, once it reaches <paramref name="expected"/> (or 10 s passed).</summary>
    private static async Task<ulong> SizeAsync(TestNode node, ulong expected = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var size = ulong.Parse((await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1], CultureInfo.InvariantCulture);
            if (size >= expected || DateTime.UtcNow > deadline) return size;
            await Task.Delay(50);
        }
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
