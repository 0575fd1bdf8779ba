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
}
