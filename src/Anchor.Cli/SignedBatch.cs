using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// The body of <c>POST /v1/evidence/batch</c>: the records, the RFC 9162 root over their batch leaves, and the provider's
/// signature over <c>anchor-batch:v1</c> of that root and size (docs/api.md). One builder for every verb that sends batches.
/// </summary>
public static class SignedBatch
{
    public static JsonObject Build(SigningKey key, string provider, string keyId, IReadOnlyList<Evidence> records)
    {
        var (root, _) = Statements.BatchTree(provider, keyId, records);
        var rootHex = Hex.Encode(root);
        var sig = key.Sign(Statements.Batch(provider, keyId, rootHex, (ulong)records.Count));
        return new JsonObject
        {
            ["provider"] = provider,
            ["keyId"] = keyId,
            ["records"] = new JsonArray([.. records.Select(r => (JsonNode)r.ToJson())]),
            ["root"] = rootHex,
            ["sig"] = Convert.ToBase64String(sig),
        };
    }

    /// <summary>
    /// Sends one batch. A batch is all or nothing and its nonces make a retry safe (the node answers the original entries),
    /// so a busy or moving node (429, 503) is asked again, with a growing pause.
    /// </summary>
    public static async Task<JsonObject> PostAsync(NodeClient client, JsonObject body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await client.PostAsync("v1/evidence/batch", body, ct); }
            catch (NodeProblemException e) when (e.Status is 429 or 503 && attempt < 30)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * attempt)), ct);
            }
        }
    }

    /// <summary>The leaves a batch answer proves (docs/formats.md#receipts), in record order; checked against the batch size.</summary>
    public static List<(string LeafIndex, string LeafHash)> ProvenLeaves(JsonObject answer, int records)
    {
        var leaves = new List<(string, string)>(records);
        foreach (var r in answer["receipts"] as JsonArray ?? throw new NodeProblemException(200, "bad_response", "the batch answer has no receipts"))
        {
            BatchReceipt receipt;
            try { receipt = BatchReceipt.FromJson(r); }
            catch (AnchorException e) { throw new NodeProblemException(200, "bad_response", $"a batch receipt does not parse: {e.Message}"); }
            var first = ulong.Parse(receipt.FirstIndex, CultureInfo.InvariantCulture);
            for (var i = 0; i < receipt.LeafHashes.Count; i++) leaves.Add(((first + (ulong)i).ToString(CultureInfo.InvariantCulture), receipt.LeafHashes[i]));
        }
        if (leaves.Count != records) throw new NodeProblemException(200, "bad_response", $"the node proved {leaves.Count} leaves for a batch of {records}");
        return leaves;
    }
}
