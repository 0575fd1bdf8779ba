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
using Anchor.Grains.Anchoring;
using Anchor.Node.Timestamping;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>
/// Builds <c>anchor-proof/v1</c> bundles from storage: the entry, the registration entry of its key (from the log, with
/// its own inclusion proof), an inclusion proof from the tiles, and a checkpoint of the same size. The stored entries are
/// written into the answer as they are (<see cref="ProofBundle.Write"/>), never parsed into objects and serialised again.
/// </summary>
public sealed class ProofBundles(LogStore store, NoteSigner signer, ILogAnchors anchors, RecordedTimestamps timestamps, TimeProvider time,
    SealedLog sealedLog, RootLogIndex? rootIndex = null)
{
    // Key registration entries never change: kept by leaf index, with the key descriptor they state (the bundle's providerKey).
    private const int MaxCachedKeys = 10_000;
    private readonly LruCache<ulong, (byte[] Data, byte[] Key)> _keyEntries = new(MaxCachedKeys);
    private readonly string _logKey = signer.VerifierKey.ToString();
    private readonly string _rootLogKey = sealedLog.Signer.VerifierKey.ToString();
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

    /// <summary>
    /// Decides whether a stored entry goes into an answer, from its provider and leaf data (read before the bundle is
    /// built): the reader's access, and for a lookup by index that the entry is what the index hinted at.
    /// </summary>
    public delegate ValueTask<bool> EntryFilter(string provider, byte[] leafData);

    /// <summary>
    /// The bundle at a sealed tree if there is one (<see cref="SealedTreeAsync"/>), else at <paramref name="head"/>, as
    /// JSON; null when the leaf is not in the log. 403 when <paramref name="access"/> does not read the entry's provider.
    /// </summary>
    public async Task<byte[]?> ForLeafAsync(ulong leafIndex, LogHead head, ReadAccess access, CancellationToken cancellationToken)
    {
        EntryFilter? filter = access.ReadsEverything ? null : async (provider, _) => await access.MayReadAsync(provider)
            ? true
            : throw new ProblemException(ErrorCodes.Forbidden, $"this token does not read leaf {leafIndex}: it is not an entry of the token's provider");
        var parts = await PartsAsync(leafIndex, head, filter, cancellationToken);
        return parts is null ? null : Serialize(parts);
    }

    /// <summary>
    /// One page of a lookup: <c>{"bundles": [...], "next": cursor}</c> with the bundles of <paramref name="indices"/>
    /// that are in the log and pass <paramref name="filter"/>, and <c>next</c> (omitted on the last page) for the
    /// caller to pass back as <c>?cursor=</c>.
    /// </summary>
    public async Task<byte[]> PageAsync(IReadOnlyList<ulong> indices, LogHead head, EntryFilter? filter, string? next, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("bundles"u8);
            foreach (var index in indices)
                if (await PartsAsync(index, head, filter, cancellationToken) is { } parts) Write(writer, parts);
            writer.WriteEndArray();
            if (next is not null) writer.WriteString("next"u8, next);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A bundle at the tree of a given signed checkpoint (the one that first contained the entry).</summary>
    public async Task<JsonObject> AtCheckpointAsync(ulong leafIndex, string checkpoint, CancellationToken cancellationToken)
    {
        var size = Checkpoint.ParseBody(SignedNote.Parse(checkpoint).Text).Size;
        var head = await store.ReadHeadAsync();
        var parts = await BuildAsync(leafIndex, new SealedTree(size, checkpoint, [], []), head, null)
            ?? throw new InvalidOperationException($"leaf {leafIndex} is not in the committed log");
        return JsonNode.Parse(Serialize(parts))!.AsObject();
    }

    private sealed record Parts(byte[] Entry, byte[] LeafHash, byte[] ProviderKey, ulong LeafIndex, List<byte[]> Inclusion, SealedTree Tree,
        ulong KeyIndex, byte[] KeyEntry, List<byte[]> KeyInclusion);

    /// <summary>
    /// A checkpoint and what sealed it: the confirmed chain anchors and the TSA tokens of its size (none for the latest
    /// checkpoint). With a root log, they seal the root tree of <paramref name="Root"/>, which holds this checkpoint.
    /// </summary>
    private sealed record SealedTree(ulong Size, string Checkpoint, IReadOnlyList<ChainAnchor> Anchors, IReadOnlyList<TsaTimestamp> Timestamps,
        RootStep? Root = null);

    private async Task<Parts?> PartsAsync(ulong leafIndex, LogHead head, EntryFilter? filter, CancellationToken cancellationToken)
    {
        try
        {
            return await PartsAtAsync(leafIndex, head, filter, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // The head was read before Redis went back to an older state (restored, or an AOF cut by a power loss): what it
            // names is gone. Once more from the head Redis has now; if that fails too, the answer is 503, never a wrong proof.
            head = await store.ReadHeadAsync();
            _recentHead = new RecentHead(head, time.GetTimestamp());
            return await PartsAtAsync(leafIndex, head, filter, cancellationToken);
        }
    }

    private async Task<Parts?> PartsAtAsync(ulong leafIndex, LogHead head, EntryFilter? filter, CancellationToken cancellationToken)
    {
        if (leafIndex >= head.Size || head.Checkpoint is null) return null;
        var sealedTree = await SealedTreeAsync(leafIndex, cancellationToken);
        if (sealedTree is not null)
        {
            // A head remembered from before the sealed checkpoint does not cover its tiles: read the current one.
            if (sealedTree.Size > head.Size) head = await store.ReadHeadAsync();
            // Still beyond the head: the log went backwards since it was sealed (the sequencer refuses; see ForkGuard),
            // and the tiles of that tree are gone. The bundle names the head's tree instead.
            if (sealedTree.Size <= head.Size) return await BuildAsync(leafIndex, sealedTree, head, filter);
        }
        return head.Checkpoint is null ? null : await BuildAsync(leafIndex, new SealedTree(head.Size, head.Checkpoint, [], []), head, filter);
    }

    /// <summary>
    /// The sealed tree a leaf's bundle names, of the kept checkpoints above the leaf that a chain confirmed (the first
    /// <see cref="Anchoring.RecordedAnchors.CandidatesPerChain"/> final anchors above it on each chain, read by size) or a TSA
    /// time-stamped. Chains and TSAs seal independently, so their sizes may differ; the rule (docs/sealing.md):
    /// 1. a size sealed by both routes, at least one confirmed chain anchor and one TSA token, comes first;
    /// 2. then the size with the most chains, 3. then the most TSAs;
    /// 4. on a tie, the smallest size: the earliest seal, so the tightest time.
    /// Null while nothing seals the leaf: its bundle names the latest checkpoint, with no anchors and no time-stamps.
    /// </summary>
    private Task<SealedTree?> SealedTreeAsync(ulong leafIndex, CancellationToken cancellationToken) =>
        sealedLog.Rooted ? RootSealedTreeAsync(leafIndex, cancellationToken) : SealOfAsync(leafIndex, cancellationToken);

    /// <summary>Member checkpoints read per bundle from the root log's index: the first few above the leaf.</summary>
    private const int RootCandidates = 4;

    /// <summary>
    /// With a root log: the smallest member checkpoint above the leaf that the root log holds (its leaf j there), and the
    /// sealed root tree that <see cref="SealOfAsync"/> picks for leaf j, with j's inclusion proof in it. A root leaf that no
    /// sealed root tree covers yet leaves the bundle unsealed: later leaves are not covered either.
    /// </summary>
    private async Task<SealedTree?> RootSealedTreeAsync(ulong leafIndex, CancellationToken cancellationToken)
    {
        var root = sealedLog.Log;
        foreach (var (size, rootLeaf) in await rootIndex!.FirstAboveAsync(store.Origin, leafIndex, RootCandidates))
        {
            if (await SealOfAsync(rootLeaf, cancellationToken) is not { } rootSeal) return null;
            if (await store.ReadKeptCheckpointAsync(size) is not { } checkpoint) continue;
            var rootHead = await root.ReadHeadAsync();
            if (rootSeal.Size > rootHead.Size) return null; // The root log went backwards (its fork check stops sealing): no root proof.
            var shape = ProofShape.Inclusion(rootLeaf, rootSeal.Size);
            var inclusion = shape.Fold(await root.ReadNodeHashesAsync(shape.Nodes, rootHead), root.FoldMemory(rootHead));
            var step = new RootStep(rootLeaf.ToString(CultureInfo.InvariantCulture), rootSeal.Size.ToString(CultureInfo.InvariantCulture),
                [.. inclusion.Select(h => Hex.Encode(h))], rootSeal.Checkpoint, _rootLogKey);
            return new SealedTree(size, checkpoint, rootSeal.Anchors, rootSeal.Timestamps, step);
        }
        return null;
    }

    private async Task<SealedTree?> SealOfAsync(ulong leafIndex, CancellationToken cancellationToken)
    {
        var anchored = (await anchors.FinalAboveAsync(leafIndex, cancellationToken))
            .Where(a => a.State == AnchorStates.Confirmed && a.TreeSize > leafIndex)
            .GroupBy(a => a.TreeSize).ToDictionary(g => g.Key, g => g.OrderBy(a => a.Chain, StringComparer.Ordinal).Select(a => a.Anchor).ToList());
        var stamped = (await timestamps.ListAsync(cancellationToken))
            .Where(t => t.Size > leafIndex)
            .GroupBy(t => t.Size).ToDictionary(g => g.Key, g => g.Select(t => t.Tsa).ToList());
        var sizes = anchored.Keys.Union(stamped.Keys)
            .OrderByDescending(size => anchored.ContainsKey(size) && stamped.ContainsKey(size))
            .ThenByDescending(size => anchored.GetValueOrDefault(size)?.Count ?? 0)
            .ThenByDescending(size => stamped.GetValueOrDefault(size)?.Count ?? 0)
            .ThenBy(size => size);
        foreach (var size in sizes)
        {
            // Sealers keep the checkpoint before they seal it; a size without one cannot make a bundle.
            if (await sealedLog.Log.ReadKeptCheckpointAsync(size) is not { } checkpoint) continue;
            var tokens = stamped.TryGetValue(size, out var tsas) ? await timestamps.ForSizeAsync(size, tsas) : [];
            return new SealedTree(size, checkpoint, anchored.GetValueOrDefault(size) ?? [], tokens);
        }
        return null;
    }

    private async Task<Parts?> BuildAsync(ulong leafIndex, SealedTree tree, LogHead head, EntryFilter? filter)
    {
        var entryTask = store.ReadLeafAsync(leafIndex, head);
        var shape = ProofShape.Inclusion(leafIndex, tree.Size);
        var nodesTask = store.ReadNodeHashesAsync(shape.Nodes, head);
        var leaf = await entryTask;
        var nodes = await nodesTask;
        if (leaf is null) return null;
        // Only evidence entries have bundles; a key registration or revocation is shown through the bundles that name it.
        if (LogEntry.ReadSigner(leaf.Data) is not { } signer || signer.KeyEntry >= leafIndex) return null;
        if (filter is not null && !await filter(signer.Provider, leaf.Data)) return null;
        var keyIndex = signer.KeyEntry;
        var keyShape = ProofShape.Inclusion(keyIndex, tree.Size);
        var keyNodes = await store.ReadNodeHashesAsync(keyShape.Nodes, head);
        if (!_keyEntries.TryGet(keyIndex, out var key))
        {
            var stored = await store.ReadLeafAsync(keyIndex, head)
                ?? throw new InvalidDataException($"entry {leafIndex} names key entry {keyIndex}, which is not in the log: storage is inconsistent");
            var registration = KeyRegistration.FromJson(Jcs.ParseStrict(stored.Data));
            key = (stored.Data, Encoding.UTF8.GetBytes(registration.Key.ToJson().ToJsonString()));
            _keyEntries.Set(keyIndex, key);
        }
        // Right-border hashes folded into a proof's ephemeral node are shared by one tree's proofs (kept by the store, bound to its head).
        var ephemeral = store.FoldMemory(head);
        return new Parts(leaf.Data, leaf.Hash, key.Key, leafIndex, shape.Fold(nodes, ephemeral), tree,
            keyIndex, key.Data, keyShape.Fold(keyNodes, ephemeral));
    }

    private byte[] Serialize(Parts parts)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, parts);
        return buffer.WrittenSpan.ToArray();
    }

    private void Write(Utf8JsonWriter writer, Parts p) =>
        ProofBundle.Write(writer, p.Entry, p.ProviderKey, p.LeafIndex.ToString(CultureInfo.InvariantCulture), Hex.Encode(p.LeafHash),
            p.Tree.Size.ToString(CultureInfo.InvariantCulture), p.Inclusion.Select(h => Hex.Encode(h)), p.Tree.Checkpoint, _logKey,
            p.KeyIndex.ToString(CultureInfo.InvariantCulture), p.KeyEntry, p.KeyInclusion.Select(h => Hex.Encode(h)), p.Tree.Anchors, p.Tree.Timestamps, p.Tree.Root);
}
