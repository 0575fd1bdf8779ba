using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Anchor.Chain.Registry;
using Nethereum.ABI;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;
using Nethereum.Util;

namespace Anchor.Chain.Tests;

public class ArtifactTests
{
    /// <summary>DESIGN A4: the bytecode the node uses is rebuilt from contracts/ with the pinned solc, byte for byte.</summary>
    [Fact]
    public async Task EmbeddedArtifactIsReproducibleFromSource()
    {
        if (!Directory.Exists(Path.Combine(RepoRoot.Contracts, "node_modules", "solc")))
            Assert.Fail("solc is not installed: run `npm ci` in contracts/ (tests/run.sh does)");
        var info = new ProcessStartInfo("node") { WorkingDirectory = RepoRoot.Contracts, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("build.mjs");
        info.ArgumentList.Add("--stdout");
        using var node = Process.Start(info)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, $"node build.mjs failed: {await stderr}");
        Assert.True(await stdout == RegistryArtifact.Json,
            "the embedded contracts/artifacts/AnchorRegistry.json differs from a fresh build: run `npm run build` in contracts/ and commit it");
    }

    [Fact]
    public void ArtifactNamesThePinnedCompiler()
    {
        using var package = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoRoot.Contracts, "package.json")));
        var pinned = package.RootElement.GetProperty("devDependencies").GetProperty("solc").GetString();
        Assert.StartsWith(pinned + "+commit.", RegistryArtifact.CompilerVersion);
    }

    /// <summary>Every typed message, event and error has the signature of an entry in the compiled ABI, and vice versa.</summary>
    [Fact]
    public void TypedMessagesMatchTheCompiledAbi()
    {
        using var artifact = JsonDocument.Parse(RegistryArtifact.Json);
        var compiled = artifact.RootElement.GetProperty("abi").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() is "function" or "event" or "error")
            .Select(e => $"{e.GetProperty("type").GetString()} {e.GetProperty("name").GetString()}({string.Join(",", e.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("type").GetString()))})")
            .Order().ToList();

        var typed = new List<string>();
        foreach (var type in typeof(AnchorRegistryClient).Assembly.GetTypes())
        {
            // Not FirstOrDefault(): the compiler adds its own attributes (NullableContext) to some types.
            var (kind, name) = type.GetCustomAttributes(false).Select(a => a switch
            {
                FunctionAttribute f => ("function", f.Name),
                EventAttribute e => ("event", e.Name),
                ErrorAttribute r => ("error", r.Name),
                _ => ("", ""),
            }).FirstOrDefault(k => k.Item1 != "");
            if (kind is null) continue;
            var inputs = type.GetProperties()
                .Select(p => p.GetCustomAttributes(typeof(ParameterAttribute), false).OfType<ParameterAttribute>().FirstOrDefault())
                .OfType<ParameterAttribute>().OrderBy(p => p.Order).Select(p => p.Type);
            typed.Add($"{kind} {name}({string.Join(",", inputs)})");
        }
        Assert.Equal(compiled, typed.Order().ToList());
    }

    /// <summary>Core's log ID against Nethereum's ABI encoder and Keccak (not ours): keccak256(abi.encode(registrant, keccak256(origin))).</summary>
    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("证据.example/日志")]
    public void LogIdIsKeccakOfTheAbiEncodedRegistrantAndOriginHash(string origin)
    {
        var originHash = Sha3Keccack.Current.CalculateHash(Encoding.UTF8.GetBytes(origin));
        foreach (var registrant in new[] { DevAccounts.Address0, DevAccounts.Address1 })
        {
            var expected = new ABIEncode().GetSha3ABIEncoded(new ABIValue("address", registrant), new ABIValue("bytes32", originHash));
            Assert.Equal(expected, LogId.For(registrant, origin));
            Assert.Equal("0x" + Convert.ToHexStringLower(expected), LogId.Hex(registrant.ToLowerInvariant(), origin));
        }
    }

    [Fact]
    public void DeploymentCarriesTheEmbeddedBytecode() =>
        Assert.Equal(RegistryArtifact.Bytecode, "0x" + Convert.ToHexStringLower(new RegistryDeployment().GetDeploymentData()));
}
