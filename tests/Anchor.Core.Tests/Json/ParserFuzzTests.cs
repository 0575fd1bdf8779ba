using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Verification;
using Anchor.Core.Verification;
using Xunit.Abstractions;

namespace Anchor.Core.Tests.Json;

/// <summary>
/// The fuzz target of the Core parsers, in-process: mutated evidence submissions, provider batches, proof bundles and
/// trust files (<see cref="JsonMutations"/>) for <see cref="FuzzBudget"/>'s time. Parsing may refuse only with
/// <see cref="AnchorException"/>, the parsers' documented refusal; a bundle that parses is verified by
/// <see cref="BundleVerifier"/>, which never throws, and by `anchor verify` in-process, which exits 0 to 3 and never
/// with an exception.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("anchor-fuzz-").FullName;

    [Fact]
    public async Task Mutated_inputs_are_refused_only_with_the_documented_exception()
    {
        using var log = new InMemoryLog();
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var single = InMemoryLog.NewEvidence("合同-1", [1]);
        var records = Enumerable.Range(0, 3).Select(i => InMemoryLog.NewEvidence($"c-{i}", [(byte)i])).ToList();
        var index = log.AddSingle(key, "acme", "k1", single);
        log.AddBatch(key, "acme", "k1", records);
        var anchor = new ChainAnchor("31337", "0x" + new string('1', 40), "0x" + new string('5', 64), log.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "0x" + Hex.Encode(log.Root()), "0x" + new string('7', 64), "12", "0x" + new string('8', 64), "2026-11-30T10:00:00.000Z");
        var bundle = log.Bundle(index, key.Descriptor, [anchor]).ToJson();
        var trust = new TrustFile([new TrustedLog(InMemoryLog.Origin, [log.LogKey.VerifierKey.ToString()],
            [new TrustedChain("31337", "0x" + new string('1', 40), "0x" + new string('4', 40), "0x" + new string('5', 64))])], [], []);
        var trustPath = Path.Combine(_dir, "trust.json");
        await File.WriteAllTextAsync(trustPath, trust.ToJson().ToJsonString());

        var submission = new JsonObject
        {
            ["provider"] = "acme", ["keyId"] = "k1", ["evidence"] = single.ToJson(),
            ["sig"] = Convert.ToBase64String(key.Sign(Statements.Single("acme", "k1", single))),
        };
        var batch = new JsonObject
        {
            ["provider"] = "acme", ["keyId"] = "k1", ["records"] = new JsonArray([.. records.Select(r => (JsonNode)r.ToJson())]),
            ["root"] = new string('a', 64), ["sig"] = Convert.ToBase64String(new byte[64]),
        };
        var passing = new List<byte[]>(); // Mutated bundles that still verify: the mutation changed nothing that is signed.
        var seeds = new (string Name, JsonObject Seed, Func<byte[], Task> Parse)[]
        {
            ("evidence", submission, bytes => Task.Run(() => ParseSubmission(bytes))),
            ("batch", batch, bytes => Task.Run(() => ParseBatch(bytes))),
            ("bundle", bundle, async bytes => { if (await VerifyBundle(bytes, trust) == 0) passing.Add(bytes); }),
            ("trust", trust.ToJson(), bytes => Task.Run(() => TrustFile.FromJson(Jcs.ParseStrict(bytes)))),
        };
        // The seeds themselves parse (and the bundle verifies): a target whose seed is refused would test nothing.
        ParseSubmission(Encoding.UTF8.GetBytes(submission.ToJsonString()));
        ParseBatch(Encoding.UTF8.GetBytes(batch.ToJsonString()));
        var seedReport = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = trust });
        Assert.True(seedReport.Checks.Where(c => !c.Name.StartsWith("anchor", StringComparison.Ordinal)).All(c => c.Status != CheckStatus.Fail), string.Join("\n", seedReport.Checks));

        var refused = new int[seeds.Length];
        var accepted = new int[seeds.Length];
        var viaCli = 0;
        var inputs = seeds.Select((s, i) => FuzzBudget.Inputs(s.Seed, i)).ToList();
        var tried = await FuzzBudget.RunAsync(inputs, FuzzBudget.Seconds(8), async (target, input) =>
        {
            try
            {
                await seeds[target].Parse(input.Bytes);
                accepted[target]++;
            }
            catch (AnchorException) { refused[target]++; }
            catch (Exception e)
            {
                Assert.Fail($"{seeds[target].Name} parser threw {e.GetType().Name} (not AnchorException) on [{input}] (ANCHOR_FUZZ_SEED={FuzzBudget.Seed}): {e}");
            }
            // Every fifth bundle also goes through `anchor verify` as a user runs it, from a file.
            if (seeds[target].Name == "bundle" && (refused[target] + accepted[target]) % 5 == 0)
            {
                viaCli++;
                await FuzzedBundleVerify.RunAsync(input, _dir, trustPath);
            }
        });
        output.WriteLine($"seed {FuzzBudget.Seed}: {tried} inputs; " + string.Join(", ", seeds.Select((s, i) => $"{s.Name} {refused[i]} refused / {accepted[i]} accepted")) + $"; {viaCli} through anchor verify");
        foreach (var p in passing.Take(5)) output.WriteLine("verifies after mutation: " + new MutatedJson("", p).Shown);
        Assert.All(refused, r => Assert.True(r > 0));
    }

    /// <summary>A single submission as the node reads it: the strict JSON model, the evidence, the statement signed.</summary>
    private static void ParseSubmission(byte[] bytes)
    {
        var body = JsonFields.Object(Jcs.ParseStrict(bytes), "body");
        var evidence = Evidence.FromJson(body["evidence"]);
        Statements.Single(JsonFields.Required(body, "provider", "body"), JsonFields.Required(body, "keyId", "body"), evidence);
    }

    /// <summary>A provider batch: every record's evidence and the batch tree the signature covers.</summary>
    private static void ParseBatch(byte[] bytes)
    {
        var body = JsonFields.Object(Jcs.ParseStrict(bytes), "body");
        if (body["records"] is not JsonArray records) throw new AnchorException(ErrorCodes.Malformed, "records is not an array");
        var evidence = records.Select(Evidence.FromJson).ToList();
        Statements.BatchTree(JsonFields.Required(body, "provider", "body"), JsonFields.Required(body, "keyId", "body"), evidence);
    }

    /// <summary>A bundle that parses is verified; the verifier reports what fails and never throws.</summary>
    private static async Task<int> VerifyBundle(byte[] bytes, TrustFile trust)
    {
        var bundle = ProofBundle.FromJson(Jcs.ParseStrict(bytes));
        var report = await BundleVerifier.VerifyAsync(bundle, new VerifyOptions { Trust = trust });
        Assert.InRange(report.ExitCode, 0, 3);
        return report.ExitCode;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
