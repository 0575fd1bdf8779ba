using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>
/// Builds <c>anchor-proof/v1</c> bundles from storage: the entry, its provider key, an inclusion proof from the tiles,
/// and a checkpoint of the same size. The stored entry and key descriptor are written into the answer as they are
/// (<see cref="ProofBundle.Write"/>), never parsed into objects and serialised again.
/// </summary>
public sealed class ProofBundles(LogStore store, IGrainFactory grains, NoteSigner signer, ILogAnchors anchors, TimeProvider time)
{
    private const int MaxCachedKeys = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Provider, string KeyId), byte[]> _descriptors = new();
    private readonly string _logKey = signer.VerifierKey.ToString();
    private sealed record RecentHead(LogHead Head, long ReadAt);
    private volatile RecentHead? _recentHead; // One reference, so concurrent requests never see a torn pair.

    /// <summary>How old a head <see cref="HeadForAsync"/> may answer with: any committed head gives a valid bundle.</summary>
    public static readonly TimeSpan HeadMaxAge = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// A committed head that contains <paramref name="leafIndex"/> if the log does: one read at most every
    /// <see cref="HeadMaxAge"/> under load, and a fresh read whenever the remembered head is too small for the leaf,
    /// so an entry is served as soon as its receipt was sent.
    /// </summary>
    public async Task<LogHead> HeadForAsync(ulong leafIndex)
    {
        if (_recentHead is { } recent && leafIndex < recent.Head.Size && time.GetElapsedTime(recent.ReadAt) < HeadMaxAge) return recent.Head;
        var head = await store.ReadHeadAsync();
        _recentHead = new RecentHead(head, time.GetTimestamp());
        return head;
    }

    /// <summary>The bundle at the anchored tree if there is one, else at <paramref name="head"/>, as JSON; null when the leaf is not in the log.</summary>
    public async Task<byte[]?> ForLeafAsync(ulong leafIndex, LogHead head, CancellationToken cancellationToken)
    {
        var parts = await PartsAsync(leafIndex, head, cancellationToken);
        return parts is null ? null : Serialize(parts);
    }

    /// <summary>
    /// <c>{"bundles": [...]}</c> for the first <paramref name="max"/> of <paramref name="indices"/> (leaves not in the
    /// log are left out), and <c>"more"</c> listing the leaf indices beyond them to fetch one by one.
    /// </summary>
    public async Task<byte[]> ManyAsync(IReadOnlyList<ulong> indices, int max, LogHead head, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("bundles"u8);
            foreach (var index in indices.Take(max))
                if (await PartsAsync(index, head, cancellationToken) is { } parts) Write(writer, parts);
            writer.WriteEndArray();
            if (indices.Count > max)
            {
                writer.WriteStartArray("more"u8);
                foreach (var index in indices.Skip(max)) writer.WriteStringValue(index.ToString(CultureInfo.InvariantCulture));
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A bundle at the tree of a given signed checkpoint (the one that first contained the entry).</summary>
    public async Task<JsonObject> AtCheckpointAsync(ulong leafIndex, string checkpoint, CancellationToken cancellationToken)
    {
        var size = Checkpoint.ParseBody(SignedNote.Parse(checkpoint).Text).Size;
        var head = await store.ReadHeadAsync();
        var parts = await BuildAsync(leafIndex, size, checkpoint, [], head)
            ?? throw new InvalidOperationException($"leaf {leafIndex} is not in the committed log");
        return JsonNode.Parse(Serialize(parts))!.AsObject();
    }

    private sealed record Parts(byte[] Entry, byte[] LeafHash, byte[] ProviderKey, ulong LeafIndex, ulong Size, List<byte[]> Inclusion, string Checkpoint,
        IReadOnlyList<ChainAnchor> Anchors);

    private async Task<Parts?> PartsAsync(ulong leafIndex, LogHead head, CancellationToken cancellationToken)
    {
        try
        {
            return await PartsAtAsync(leafIndex, head, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // The head was read before Redis went back to an older state (restored, or an AOF cut by a power loss): what it
            // names is gone. Once more from the head Redis has now; if that fails too, the answer is 503, never a wrong proof.
            head = await store.ReadHeadAsync();
            _recentHead = new RecentHead(head, time.GetTimestamp());
            return await PartsAtAsync(leafIndex, head, cancellationToken);
        }
    }

    private async Task<Parts?> PartsAtAsync(ulong leafIndex, LogHead head, CancellationToken cancellationToken)
    {
        if (leafIndex >= head.Size || head.Checkpoint is null) return null;
        var anchored = await anchors.ForLeafAsync(leafIndex, cancellationToken);
        if (anchored is not null && leafIndex < anchored.Size)
        {
            // A head remembered from before the anchored checkpoint does not cover its tiles: read the current one.
            if (anchored.Size > head.Size) head = await store.ReadHeadAsync();
            // Still beyond the head: the log went backwards since it was anchored (the sequencer refuses; see ForkGuard),
            // and the tiles of that tree are gone. The bundle names the head's tree instead.
            if (anchored.Size <= head.Size) return await BuildAsync(leafIndex, anchored.Size, anchored.Checkpoint, anchored.Anchors, head);
        }
        return head.Checkpoint is null ? null : await BuildAsync(leafIndex, head.Size, head.Checkpoint, [], head);
    }

    private async Task<Parts?> BuildAsync(ulong leafIndex, ulong size, string checkpoint, IReadOnlyList<ChainAnchor> anchorList, LogHead head)
    {
        var entryTask = store.ReadLeafAsync(leafIndex, head);
        var shape = ProofShape.Inclusion(leafIndex, size);
        var nodesTask = store.ReadNodeHashesAsync(shape.Nodes, head);
        var leaf = await entryTask;
        var nodes = await nodesTask;
        if (leaf is null) return null;
        var (provider, keyId) = LogEntry.ReadSigner(leaf.Data);
        // The key that signed stays in the provider's record after revocation: old bundles still verify. A key id
        // names one key forever (re-adding it is key_exists), so its descriptor is kept after the first lookup.
        if (!_descriptors.TryGetValue((provider, keyId), out var descriptor))
        {
            var lookup = await grains.GetGrain<IProviderGrain>(provider).GetKey(keyId);
            descriptor = lookup.Key is { } key ? Encoding.UTF8.GetBytes(key.DescriptorJson) : null;
            if (descriptor is not null)
            {
                if (_descriptors.Count >= MaxCachedKeys) _descriptors.Clear();
                _descriptors[(provider, keyId)] = descriptor;
            }
        }
        // Right-border hashes folded into a proof's ephemeral node are shared by one tree's proofs (kept by the store, bound to its head).
        return new Parts(leaf.Data, leaf.Hash, descriptor ?? "{}"u8.ToArray(), leafIndex, size, shape.Fold(nodes, store.FoldMemory(head)), checkpoint, anchorList);
    }

    private byte[] Serialize(Parts parts)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, parts);
        return buffer.WrittenSpan.ToArray();
    }

    private void Write(Utf8JsonWriter writer, Parts p) =>
        ProofBundle.Write(writer, p.Entry, p.ProviderKey, p.LeafIndex.ToString(CultureInfo.InvariantCulture), Hex.Encode(p.LeafHash),
            p.Size.ToString(CultureInfo.InvariantCulture), p.Inclusion.Select(h => Hex.Encode(h)), p.Checkpoint, _logKey, p.Anchors);
}
