using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>Builds <c>anchor-proof/v1</c> bundles from storage: the entry, its provider key, an inclusion proof from the tiles, and a checkpoint of the same size.</summary>
public sealed class ProofBundles(LogStore store, IGrainFactory grains, NoteSigner signer, ILogAnchors anchors)
{
    private const int MaxCachedKeys = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Provider, string KeyId), string> _descriptors = new();

    /// <summary>A bundle at the anchored tree if there is one, else at <paramref name="head"/>; null when the leaf is not in the log.</summary>
    public async Task<JsonObject?> ForLeafAsync(ulong leafIndex, LogHead head, CancellationToken cancellationToken)
    {
        if (leafIndex >= head.Size || head.Checkpoint is null) return null;
        var anchored = await anchors.ForLeafAsync(leafIndex, cancellationToken);
        if (anchored is not null && leafIndex < anchored.Size)
            return await BuildAsync(leafIndex, anchored.Size, anchored.Checkpoint, anchored.Anchors, head);
        return await BuildAsync(leafIndex, head.Size, head.Checkpoint, [], head);
    }

    /// <summary>A bundle at the tree of a given signed checkpoint (the one that first contained the entry).</summary>
    public async Task<JsonObject> AtCheckpointAsync(ulong leafIndex, string checkpoint, CancellationToken cancellationToken)
    {
        var size = Checkpoint.ParseBody(SignedNote.Parse(checkpoint).Text).Size;
        var head = await store.ReadHeadAsync();
        return await BuildAsync(leafIndex, size, checkpoint, [], head)
            ?? throw new InvalidOperationException($"leaf {leafIndex} is not in the committed log");
    }

    private async Task<JsonObject?> BuildAsync(ulong leafIndex, ulong size, string checkpoint, IReadOnlyList<ChainAnchor> anchorList, LogHead head)
    {
        var data = await store.ReadEntryAsync(leafIndex, head);
        if (data is null) return null;
        var entry = LogEntry.FromJson(Jcs.ParseStrict(data));
        // The key that signed stays in the provider's record after revocation: old bundles still verify. A key id
        // names one key forever (re-adding it is key_exists), so its descriptor is kept after the first lookup.
        if (!_descriptors.TryGetValue((entry.Provider, entry.KeyId), out var descriptor))
        {
            var lookup = await grains.GetGrain<IProviderGrain>(entry.Provider).GetKey(entry.KeyId);
            descriptor = lookup.Key?.DescriptorJson;
            if (descriptor is not null)
            {
                if (_descriptors.Count >= MaxCachedKeys) _descriptors.Clear();
                _descriptors[(entry.Provider, entry.KeyId)] = descriptor;
            }
        }
        var providerKey = descriptor is not null ? (JsonObject)JsonNode.Parse(descriptor)! : new JsonObject();
        var shape = ProofShape.Inclusion(leafIndex, size);
        var proof = shape.Fold(await store.ReadNodeHashesAsync(shape.Nodes, head.Size));
        var bundle = new ProofBundle(
            entry,
            providerKey,
            leafIndex.ToString(CultureInfo.InvariantCulture),
            Hex.Encode(TreeHasher.HashLeaf(data)),
            size.ToString(CultureInfo.InvariantCulture),
            [.. proof.Select(h => Hex.Encode(h))],
            checkpoint,
            signer.VerifierKey.ToString(),
            anchorList);
        return bundle.ToJson();
    }
}
