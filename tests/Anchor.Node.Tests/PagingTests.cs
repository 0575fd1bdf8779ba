using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Node.Api;

namespace Anchor.Node.Tests;

/// <summary>Lookups page with a cursor and reach every entry: before, the contract lookup stopped at 10,000 without a word.</summary>
[Collection(NodeCollection.Name)]
public sealed class PagingTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-paging-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task The_contract_and_hash_lookups_walk_every_entry_page_by_page()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "paging.test/log", _state));
        using var provider = new TestProvider("pager");
        using var other = new TestProvider("other-pager");
        await provider.RegisterAsync(node);
        await other.RegisterAsync(node);

        // 10,050 records of one contract (two batches), 1,200 of them registering one document hash, and one record
        // of another provider with that hash too.
        var hash = Anchor.Core.Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var first = Enumerable.Range(0, EvidenceEndpoints.MaxBatchRecords).Select(i => TestProvider.NewEvidence("big", i < 1200 ? hash : null)).ToList();
        var second = Enumerable.Range(0, 50).Select(_ => TestProvider.NewEvidence("big")).ToList();
        foreach (var batch in new[] { first, second })
        {
            var (status, body) = await node.PostAsync("/v1/evidence/batch", provider.Batch(batch));
            Assert.True(status == 200, body.ToJsonString());
        }
        var (otherStatus, otherBody) = await node.PostAsync("/v1/evidence", other.Single(TestProvider.NewEvidence("big", hash)));
        Assert.Equal(200, otherStatus);
        var otherLeaf = otherBody["leafIndex"]!.GetValue<string>();

        var (byContract, contractPages) = await WalkAsync(node, "/v1/contracts/big/proofs?provider=pager", provider.ReadToken,
            b => Assert.Equal("big", b["entry"]!["evidence"]!["contractId"]!.GetValue<string>()));
        // Entries 0 and 1 register the two providers' keys; the records follow.
        Assert.Equal(Enumerable.Range(2, 10_050).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(), byContract);
        Assert.Equal((10_050 + ProofEndpoints.PageSize - 1) / ProofEndpoints.PageSize, contractPages);

        // The hash lookup: the provider sees its own 1,200 (over two pages), the operator also the other provider's.
        var (own, hashPages) = await WalkAsync(node, $"/v1/proofs?hash={hash}", provider.ReadToken);
        Assert.Equal(1200, own.Count);
        Assert.Equal(2, hashPages);
        Assert.DoesNotContain(otherLeaf, own);
        var (all, _) = await WalkAsync(node, $"/v1/proofs?hash={hash}", node.AdminToken);
        Assert.Equal(1201, all.Count);
        Assert.Contains(otherLeaf, all);

        // A cursor is a number; anything else is malformed, and one past the end is an empty last page.
        Assert.Equal((400, ErrorCodes.Malformed), TestNode.Code(await node.GetAsync("/v1/contracts/big/proofs?provider=pager&cursor=abc")));
        Assert.Equal((400, ErrorCodes.Malformed), TestNode.Code(await node.GetAsync($"/v1/proofs?hash={hash}&cursor=-1")));
        var (endStatus, end) = await node.GetAsync("/v1/contracts/big/proofs?provider=pager&cursor=99999999");
        Assert.Equal(200, endStatus);
        Assert.Empty(end["bundles"]!.AsArray());
        Assert.Null(end["next"]);
    }

    /// <summary>The leaf index of every bundle of a lookup (each passed to <paramref name="check"/>), following <c>next</c>, and how many pages it took.</summary>
    private static async Task<(HashSet<string> Leaves, int Pages)> WalkAsync(TestNode node, string path, string? token, Action<JsonObject>? check = null)
    {
        var leaves = new HashSet<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var (status, page) = await node.GetAsync(cursor is null ? path : $"{path}&cursor={cursor}", token);
            Assert.True(status == 200, page.ToJsonString());
            pages++;
            Assert.True(page["bundles"]!.AsArray().Count <= ProofEndpoints.PageSize);
            foreach (var bundle in page["bundles"]!.AsArray())
            {
                check?.Invoke(bundle!.AsObject());
                Assert.True(leaves.Add(bundle!["leafIndex"]!.GetValue<string>()), $"leaf {bundle["leafIndex"]} twice");
            }
            cursor = page["next"]?.GetValue<string>();
        }
        while (cursor is not null && pages < 100);
        return (leaves, pages);
    }
}
