using System.Globalization;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Storage;

namespace Anchor.Grains;

/// <summary>
/// Turns pools of verified records into committed batches of the log. Not thread-safe: one caller at a
/// time (the sequencer grain). Holds the head and compact range it last committed or loaded; if anyone
/// else moved the head, the compare-and-swap in <see cref="LogStore.TryAppendAsync"/> refuses the batch
/// and this reloads instead of building on a head that is no longer the log's.
/// With a <paramref name="guard"/>, every load first checks that the head contains every tree the node published
/// (<see cref="ForkGuard"/>), and every checkpoint is in the guard's witness file, fsynced, before it is handed out.
/// </summary>
public sealed class LogSequencer(LogStore store, NoteSigner signer, TimeProvider time, ForkGuard? guard = null)
{
    private LogHead? _head;
    private CompactRange? _range;
    // Revoked keys: registration entry → revocation entry. Only this sequencer appends revocations, so the set it holds
    // is the log's; a record is refused under a key whose revocation is in the log before it.
    private Dictionary<ulong, ulong> _revoked = [];

    public LogHead? Head => _head;

    /// <summary>Loads the head to append after; throws <see cref="LogRolledBackException"/> when the head lacks a published tree.</summary>
    public async Task<LogHead> LoadAsync()
    {
        _head = null;
        guard?.Witness.Reload(); // Another silo sharing the state folder may have sequenced (and witnessed) since.
        var (head, rolledBack) = guard is null ? (await store.ReadHeadAsync().ConfigureAwait(false), null)
            : await guard.CheckAsync(store.ReadHeadAsync).ConfigureAwait(false);
        if (rolledBack is not null) throw new LogRolledBackException(rolledBack);
        // Refuse to extend a log whose checkpoint our key did not sign: another origin's or another key's data.
        if (head.Checkpoint is { } note)
        {
            var checkpoint = Checkpoint.Verify(note, signer.VerifierKey);
            if (checkpoint.Size != head.Size || !checkpoint.Root.AsSpan().SequenceEqual(head.Root))
                throw new InvalidOperationException($"the stored checkpoint names size {checkpoint.Size}, the head {head.Size}: storage is inconsistent");
        }
        _range = await store.ReadRangeAsync(head).ConfigureAwait(false);
        _revoked = await store.ReadRevocationsAsync(head).ConfigureAwait(false);
        _head = head;
        return head;
    }

    /// <summary>
    /// Appends key registrations and revocations as one commit and returns their leaf indices. A revocation is recorded
    /// with its append (<see cref="LogBatch.IndexRevocation"/>), so a reloaded sequencer knows it too.
    /// </summary>
    public async Task<ulong[]> AppendKeyEventsAsync(IReadOnlyList<KeyEvent> events)
    {
        if (_head is null || _range is null) await LoadAsync().ConfigureAwait(false);
        var batch = new LogBatch(_head!, _range!);
        var indices = new ulong[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            indices[i] = batch.Add(events[i].LeafData, TreeHasher.HashLeaf(events[i].LeafData));
            if (events[i].Revokes is { } registration) batch.IndexRevocation(registration, indices[i]);
        }
        var checkpoint = signer.Sign(new Checkpoint(store.Origin, batch.NewSize, batch.Root()));
        await CommitAsync(batch, checkpoint).ConfigureAwait(false);
        await WitnessAsync(checkpoint, batch.NewSize).ConfigureAwait(false); // Its checkpoint is public from now on.
        for (var i = 0; i < events.Count; i++)
            if (events[i].Revokes is { } registration) _revoked.TryAdd(registration, indices[i]);
        return indices;
    }

    /// <summary>
    /// Step 3 of every append: one script compares the head and writes entries, tiles, indexes and the new head
    /// (LogStore.AppendScript); the head is the commit point, so nothing is acknowledged before it moved.
    /// </summary>
    private async Task CommitAsync(LogBatch batch, string checkpoint)
    {
        bool moved;
        try
        {
            moved = await store.TryAppendAsync(batch, checkpoint).ConfigureAwait(false);
        }
        catch (NotDurableException ex)
        {
            // The head moved but the write is not yet everywhere it must be: not acknowledged. A retry finds the records
            // committed and waits again before it answers.
            _head = null;
            throw new SequencerUnavailableException($"the log was written but is not yet durable ({ex.Message}); retry the same records");
        }
        catch (Exception ex)
        {
            // Whether the script ran is unknown: forget the head, so the next pool starts from what Redis says.
            _head = null;
            throw new SequencerUnavailableException($"the log could not be written ({ex.GetType().Name}); retry the same records");
        }
        if (!moved)
        {
            // Another writer moved the head, or rollback evidence is recorded: never fork; reload (which refuses in the
            // second case) and let the callers retry.
            _head = null;
            throw new SequencerUnavailableException("the log head moved under this sequencer (another sequencer, or a rollback); retry the same records");
        }
        _head = new LogHead(batch.NewSize, batch.Root(), checkpoint);
        _range = batch.Range;
    }

    /// <summary>
    /// Appends the new records of <paramref name="calls"/> as one batch and returns one result per record.
    /// Each call is all or nothing: if one of its records conflicts, none of its new records is written.
    /// Throws <see cref="SequencerUnavailableException"/> when the batch did not commit; then nothing
    /// of it is visible, and a retry of the same records is safe.
    /// </summary>
    public async Task<SequencedCall[]> SequenceAsync(IReadOnlyList<VerifiedRecord[]> calls)
    {
        if (_head is null || _range is null) await LoadAsync().ConfigureAwait(false);
        var head = _head!;
        var records = calls.SelectMany(c => c).ToList();
        var results = new SequencedRecord?[records.Count];
        // The API parsed and validated the evidence and the verifier hashed d_i: nothing is parsed or encoded again here.
        var parsed = records.Select(r => r.Evidence.ToEvidence()).ToArray();
        var digests = records.Select(r => r.ContentDigest).ToArray(); // For a batch record also its leaf in the provider's tree.

        // Retries: a nonce committed before returns the original; with other content it is a conflict.
        await ResolveKnownNoncesAsync(records, parsed, digests, results, head).ConfigureAwait(false);

        // Step 1, in memory only: assign indices from the head and compute the tiles they complete.
        var batch = new LogBatch(head, _range!);
        var receivedAt = Times.ToText(time.GetUtcNow());
        var fresh = new List<(int Slot, LogEntry Entry, ulong Index, byte[] LeafHash, StoredBatch? Batch, ulong InBatch)>();
        var pooled = new Dictionary<(string, string), int>(); // (provider, nonce) → slot that carries it in this batch.
        var shared = new List<(int Slot, int From)>();
        var start = 0;
        foreach (var call in calls)
        {
            var end = start + call.Length;
            var seen = new HashSet<(string, string)>();
            string? conflict = null;
            (string Code, string Detail)? refusal = null;
            for (var i = start; i < end && conflict is null; i++)
            {
                var key = (records[i].Provider, parsed[i].Nonce);
                if (results[i] is null && _revoked.TryGetValue(records[i].KeyEntry, out var revokedAt))
                {
                    // The revocation is in the log before this record would be: refuse, whatever a verifier's cache said.
                    refusal = (ErrorCodes.KeyRevoked, $"key '{records[i].KeyId}' of provider '{records[i].Provider}' was revoked by entry {revokedAt}");
                    break;
                }
                if (results[i]?.ErrorCode is not null) conflict = results[i]!.ErrorDetail;
                else if (!seen.Add(key)) conflict = $"nonce {parsed[i].Nonce} appears twice in one request";
                else if (results[i] is null && pooled.TryGetValue(key, out var other) && !digests[other].AsSpan().SequenceEqual(digests[i]))
                    conflict = $"nonce {parsed[i].Nonce} of provider '{records[i].Provider}' is already used by other content";
            }
            if (conflict is not null) refusal = (ErrorCodes.NonceConflict, conflict);
            if (refusal is { } refused)
            {
                // Nothing of this call is written; records that were committed before keep their originals.
                for (var i = start; i < end; i++)
                    if (results[i] is null || results[i]!.ErrorCode is not null) results[i] = SequencedRecord.Refused(refused.Code, refused.Detail);
                start = end;
                continue;
            }
            // A whole provider batch (as the verifier hands it over) is stored once, its records as evidence and place.
            var providerBatch = WholeBatch(call, receivedAt);
            StoredBatch? loose = null; // The tree of batch records that are not one whole batch (stored whole).
            for (var i = start; i < end; i++)
            {
                if (results[i] is not null) continue;
                var r = records[i];
                var e = parsed[i];
                // The same record in two calls of one pool (a quick retry): written once, both get its receipt.
                if (pooled.TryGetValue((r.Provider, e.Nonce), out var from)) { shared.Add((i, from)); continue; }
                pooled[(r.Provider, e.Nonce)] = i;
                var inBatch = (ulong)r.BatchIndex;
                var tree = r.Batch is null ? null
                    : providerBatch ?? (loose is not null && loose.Shared.Root == r.Batch.Root ? loose : loose = TreeOf(r, receivedAt));
                var entry = tree is null
                    ? new LogEntry(r.Provider, r.KeyId, e, r.Sig, null, receivedAt, JsonText(r.KeyEntry))
                    : tree.Shared.Entry(inBatch, e, tree.Inclusion(inBatch));
                fresh.Add((i, entry, 0, [], providerBatch, inBatch));
            }
            start = end;
        }

        var leaves = new (byte[] Data, byte[] Hash)[fresh.Count];
        Parallel.For(0, fresh.Count, f =>
        {
            var (slot, entry, _, _, _, _) = fresh[f];
            var data = LogEntry.LeafData(entry.Provider, entry.KeyId, records[slot].Evidence.Jcs, entry.Sig, entry.Batch, entry.ReceivedAt, entry.KeyEntry);
            leaves[f] = (data, TreeHasher.HashLeaf(data));
        });
        for (var f = 0; f < fresh.Count; f++)
        {
            var (slot, entry, _, _, providerBatch, inBatch) = fresh[f];
            var index = providerBatch is null
                ? batch.Add(leaves[f].Data, leaves[f].Hash)
                : batch.Add(leaves[f].Hash, providerBatch, inBatch, records[slot].Evidence.Jcs);
            batch.IndexByHash(entry.Evidence.Hash, index);
            batch.IndexByContract(entry.Provider, entry.Evidence.ContractId, index);
            batch.IndexNonce(entry.Provider, entry.Evidence.Nonce, index);
            fresh[f] = (slot, entry, index, leaves[f].Hash, providerBatch, inBatch);
        }

        if (batch.Count > 0)
        {
            // Step 2: sign the checkpoint of the new tree before anything is written; signing is local and cannot fail halfway.
            var root = batch.Root();
            var checkpoint = signer.Sign(new Checkpoint(store.Origin, batch.NewSize, root));

            for (var f = 0; f < fresh.Count; f++) results[fresh[f].Slot] = Committed(leaves[f].Data, fresh[f].Index, fresh[f].LeafHash, checkpoint);

            // Step 3: commit; step 4: its checkpoint goes into the witness file (fsynced), and only then are the callers
            // answered: a Redis that later loses this batch cannot hide that it was. The signed checkpoint is the receipts'
            // only signature: each record's receipt is its proof into this tree (step 5).
            await CommitAsync(batch, checkpoint).ConfigureAwait(false);
            await WitnessAsync(checkpoint, batch.NewSize).ConfigureAwait(false);
        }
        else if (results.Any(r => r?.Checkpoint is not null))
        {
            // Only retries of records committed before: they carry the head's checkpoint, which must be witnessed and, if a
            // wait for fsync or replicas is configured, confirmed (the wait of the append that wrote them may have failed).
            try
            {
                await store.ConfirmDurableAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NotDurableException or StackExchange.Redis.RedisException)
            {
                throw new SequencerUnavailableException($"the log is not yet durable ({ex.Message}); retry the same records");
            }
            await WitnessAsync(head.Checkpoint!, head.Size).ConfigureAwait(false);
        }
        foreach (var (slot, from) in shared) results[slot] = results[from];
        return await ProveAsync(calls, records, results, batch).ConfigureAwait(false);
    }

    /// <summary>
    /// Step 5: the receipts' proofs, all into the tree of the head now committed. Nodes of new leaves' proofs are in the
    /// batch's memory (<see cref="LogBatch.TryGetNode"/>); a retry's records may need older nodes, read from storage.
    /// </summary>
    private async Task<SequencedCall[]> ProveAsync(IReadOnlyList<VerifiedRecord[]> calls, List<VerifiedRecord> records, SequencedRecord?[] results, LogBatch batch)
    {
        var head = _head!;
        var size = head.Size;
        var plans = new (SequencedRecord[] Records, ProofShape? Inclusion, List<(ulong First, int Count, List<NodeId> Left, List<NodeId> Right)>? Runs)[calls.Count];
        var missing = new HashSet<NodeId>();
        var start = 0;
        for (var c = 0; c < calls.Count; c++)
        {
            var call = results[start..(start + calls[c].Length)].Select(r => r!).ToArray();
            var single = call.Length == 1 && records[start].Batch is null;
            start += calls[c].Length;
            if (call.Any(r => r.ErrorCode is not null)) { plans[c] = (call, null, null); continue; }
            call = [.. call.Select(r => r with { Checkpoint = head.Checkpoint })];
            if (single)
            {
                var shape = ProofShape.Inclusion(call[0].LeafIndex, size);
                Want(shape.Nodes);
                plans[c] = (call, shape, null);
                continue;
            }
            var runs = new List<(ulong, int, List<NodeId>, List<NodeId>)>();
            for (var i = 0; i < call.Length;)
            {
                var j = i + 1;
                while (j < call.Length && call[j].LeafIndex == call[j - 1].LeafIndex + 1) j++;
                var (left, right) = RangeProof.Shape(call[i].LeafIndex, (ulong)(j - i), size);
                Want(left);
                Want(right);
                runs.Add((call[i].LeafIndex, j - i, left, right));
                i = j;
            }
            plans[c] = (call, null, runs);
        }

        var stored = new Dictionary<NodeId, byte[]>();
        if (missing.Count > 0)
        {
            var ids = missing.ToList();
            var hashes = await store.ReadNodeHashesAsync(ids, head).ConfigureAwait(false);
            for (var i = 0; i < ids.Count; i++) stored[ids[i]] = hashes[i];
        }
        byte[] Node(NodeId id) => batch.TryGetNode(id, out var hash) ? hash : stored[id];

        return [.. plans.Select(p => p.Inclusion is { } shape
            ? new SequencedCall(p.Records, head.Checkpoint, size, [.. shape.Fold([.. shape.Nodes.Select(Node)])], null)
            : p.Runs is { } runs
                ? new SequencedCall(p.Records, head.Checkpoint, size, null,
                    [.. runs.Select(r => new SequencedRun(r.First, r.Count, [.. r.Left.Select(Node)], [.. r.Right.Select(Node)]))])
                : SequencedCall.Refused(p.Records))];

        void Want(IEnumerable<NodeId> nodes)
        {
            foreach (var id in nodes)
                if (!batch.TryGetNode(id, out _)) missing.Add(id);
        }
    }

    private async Task WitnessAsync(string checkpoint, ulong size)
    {
        if (guard is null) return;
        try
        {
            await guard.Witness.RecordAsync(checkpoint, size).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SequencerUnavailableException($"the witness file {guard.Witness.Location} could not be written ({ex.Message}); retry the same records");
        }
    }

    private async Task ResolveKnownNoncesAsync(IReadOnlyList<VerifiedRecord> records, Evidence[] parsed, byte[][] digests,
        SequencedRecord?[] results, LogHead head)
    {
        foreach (var group in Enumerable.Range(0, records.Count).GroupBy(i => records[i].Provider))
        {
            var nonces = group.Select(i => parsed[i].Nonce).Distinct().ToList();
            var known = await store.ReadNoncesAsync(group.Key, nonces, head).ConfigureAwait(false);
            var hits = group.Where(i => known.ContainsKey(parsed[i].Nonce)).ToList();
            // A retried batch can bring thousands of known nonces: read their entries concurrently.
            var entries = await Task.WhenAll(hits.Select(i => store.ReadLeafAsync(known[parsed[i].Nonce].LeafIndex, head))).ConfigureAwait(false);
            for (var h = 0; h < hits.Count; h++)
            {
                var i = hits[h];
                var record = known[parsed[i].Nonce];
                if (entries[h] is not { } leaf) continue;
                var entry = LogEntry.FromJson(Jcs.ParseStrict(leaf.Data));
                // The index is a hint: trust it only if the entry there really is this provider's nonce.
                if (entry.Provider != records[i].Provider || entry.Evidence.Nonce != parsed[i].Nonce) continue;
                var stored = ContentDigest(entry.Provider, entry.KeyId, entry.Evidence);
                results[i] = stored.AsSpan().SequenceEqual(digests[i])
                    ? Committed(leaf.Data, record.LeafIndex, leaf.Hash, head.Checkpoint!)
                    : SequencedRecord.Refused(ErrorCodes.NonceConflict,
                        $"nonce {parsed[i].Nonce} of provider '{records[i].Provider}' is already used by other content (leaf {record.LeafIndex})");
            }
        }
    }

    /// <summary>A record in the log: leaf data is JCS(entry), the answer's entry as it is.</summary>
    private static SequencedRecord Committed(byte[] leafData, ulong index, byte[] leafHash, string checkpoint) =>
        new(leafData, index, checkpoint, null, null, Hex.Encode(leafHash));

    /// <summary>
    /// The shared part and tree of a provider batch when <paramref name="call"/> is one whole batch, as the verifier
    /// hands it over (record i has index i, all name one root, size, signer and signature, and their leaf hashes hash
    /// to that root); otherwise null, and its records are stored whole.
    /// </summary>
    private static StoredBatch? WholeBatch(VerifiedRecord[] call, string receivedAt)
    {
        var first = call[0];
        if (first.Batch is not { } b || b.Size != call.Length.ToString(CultureInfo.InvariantCulture)) return null;
        for (var i = 0; i < call.Length; i++)
        {
            var r = call[i];
            if (!ReferenceEquals(r.Batch, b) && (r.Batch is null || r.Batch.Root != b.Root || r.Batch.Size != b.Size)) return null;
            if (r.BatchIndex != i || r.Provider != first.Provider || r.KeyId != first.KeyId || r.Sig != first.Sig || r.KeyEntry != first.KeyEntry) return null;
        }
        return StoredBatch.FromLeaves(new ProviderBatch(first.Provider, first.KeyId, first.Sig, b.Root, (ulong)call.Length, receivedAt, JsonText(first.KeyEntry)),
            [.. call.Select(r => r.ContentDigest)]);
    }

    /// <summary>The tree of the provider batch of a record that is not in a whole batch, from the leaf hashes the verifier checked.</summary>
    private static StoredBatch TreeOf(VerifiedRecord r, string receivedAt)
    {
        var b = r.Batch!;
        var leaves = Enumerable.Range(0, b.LeafHashes.Length / TreeHasher.HashSize)
            .Select(i => b.LeafHashes.AsSpan(i * TreeHasher.HashSize, TreeHasher.HashSize).ToArray()).ToList();
        return StoredBatch.FromLeaves(new ProviderBatch(r.Provider, r.KeyId, r.Sig, b.Root, (ulong)leaves.Count, receivedAt, JsonText(r.KeyEntry)), leaves)
            ?? throw new InvalidOperationException($"the leaf hashes of batch {b.Root} do not hash to its root: the verifier passed an unchecked batch");
    }

    private static string JsonText(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>What "the same content" means for a retry: d_i = JCS({provider, keyId, evidence}), leaf-hashed (as <see cref="VerifiedRecord.ContentDigest"/>).</summary>
    public static byte[] ContentDigest(string provider, string keyId, Evidence evidence) =>
        TreeHasher.HashLeaf(Statements.BatchLeaf(provider, keyId, evidence));
}
