using System.Text.Json;
using Anchor.Core.Merkle;

namespace Anchor.Core.Tests.Merkle;

/// <summary>The transparency-dev/merkle RFC 9162 vectors: every file, happy paths and wantErr mutations.</summary>
public class VectorTests
{
    public static TheoryData<string> InclusionFiles() => Files("inclusion");
    public static TheoryData<string> ConsistencyFiles() => Files("consistency");

    [Fact]
    public void EveryFolderHasVectors()
    {
        Assert.True(InclusionFiles().Count >= 20, "inclusion vectors missing");
        Assert.True(ConsistencyFiles().Count >= 20, "consistency vectors missing");
    }

    [Theory]
    [MemberData(nameof(InclusionFiles))]
    public void Inclusion(string file)
    {
        var v = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Vector("rfc9162", "inclusion"), file))).RootElement;
        void Verify() => ProofVerifier.VerifyInclusion(
            v.GetProperty("leafIdx").GetUInt64(), v.GetProperty("treeSize").GetUInt64(),
            Bytes(v, "leafHash"), HashList(v, "proof"), Bytes(v, "root"));
        if (v.GetProperty("wantErr").GetBoolean()) Assert.ThrowsAny<ProofError>(Verify);
        else Verify();
    }

    [Theory]
    [MemberData(nameof(ConsistencyFiles))]
    public void Consistency(string file)
    {
        var v = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestData.Vector("rfc9162", "consistency"), file))).RootElement;
        void Verify() => ProofVerifier.VerifyConsistency(
            v.GetProperty("size1").GetUInt64(), v.GetProperty("size2").GetUInt64(),
            HashList(v, "proof"), Bytes(v, "root1"), Bytes(v, "root2"));
        if (v.GetProperty("wantErr").GetBoolean()) Assert.ThrowsAny<ProofError>(Verify);
        else Verify();
    }

    private static TheoryData<string> Files(string kind)
    {
        var dir = TestData.Vector("rfc9162", kind);
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(dir, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(dir, f));
        return data;
    }

    private static byte[] Bytes(JsonElement v, string name) =>
        v.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? Convert.FromBase64String(p.GetString()!) : [];

    private static List<byte[]> HashList(JsonElement v, string name) =>
        v.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Array
            ? [.. p.EnumerateArray().Select(e => Convert.FromBase64String(e.GetString()!))]
            : [];
}
