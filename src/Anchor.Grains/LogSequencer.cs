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
public sealed class LogSequencer(LogStore store, NoteSigner signer, ForkGuard? guard = null)
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
        // The API parsed and validated the evidence and the verifier hashed d_i: nothing is parsed or encoded again here.
        var records = calls.SelectMany(c => c).ToArray();
        var results = new SequencedRecord?[records.Length];
        await ResolveKnownNoncesAsync(records, results, head).ConfigureAwait(false);
        var (fresh, shared) = Admit(calls, records, results);
        var batch = new LogBatch(head, _range!);
        var indices = Place(batch, fresh, records);
        if (batch.Count > 0) await CommitNewAsync(batch, fresh, records, indices, results).ConfigureAwait(false);
        else if (results.Any(r => r?.Checkpoint is not null)) await ConfirmRetriesAsync(head).ConfigureAwait(false);
        foreach (var (slot, from) in shared) results[slot] = results[from];
        return await ProveAsync(calls, records, results, batch).ConfigureAwait(false);
    }

    /// <summary>A record admitted to this append: where it sits in the pool, and for a record of a whole provider batch its batch.</summary>
    private readonly record struct Admitted(int Slot, StoredBatch? Batch);

    /// <summary>
    /// Step 1, admission (memory only): each call is all or nothing. A call is refused whole when one of its records names a
    /// revoked key, reuses a nonce with other content, or conflicts with a retry's original; the same record twice in one pool
    /// (a quick retry) is admitted once and the later slot shares its result. Returns the records to write, in pool order.
    /// </summary>
    private (List<Admitted> Fresh, List<(int Slot, int From)> Shared) Admit(IReadOnlyList<VerifiedRecord[]> calls, VerifiedRecord[] records,
        SequencedRecord?[] results)
    {
        var fresh = new List<Admitted>(records.Length);
        var pooled = new Dictionary<(string, string), int>(); // (provider, nonce) → slot that carries it in this batch.
        var shared = new List<(int Slot, int From)>();
        var start = 0;
        foreach (var call in calls)
        {
            var end = start + call.Length;
            if (Refusal(start, end) is { } refused)
            {
                // Nothing of this call is written; records that were committed before keep their originals.
                for (var i = start; i < end; i++)
                    if (results[i] is null || results[i]!.ErrorCode is not null) results[i] = SequencedRecord.Refused(refused.Code, refused.Detail);
                start = end;
                continue;
            }
            // A whole provider batch (as the verifier hands it over) is stored once, its records as evidence and place; the
            // records of a partly retried batch are stored whole.
            var providerBatch = WholeBatch(call);
            for (var i = start; i < end; i++)
            {
                if (results[i] is not null) continue;
                var r = records[i];
                if (pooled.TryGetValue((r.Provider, r.Evidence.Nonce), out var from)) { shared.Add((i, from)); continue; }
                pooled[(r.Provider, r.Evidence.Nonce)] = i;
                fresh.Add(new Admitted(i, providerBatch));
            }
            start = end;
        }
        return (fresh, shared);

        (string Code, string Detail)? Refusal(int start, int end)
        {
            var seen = new HashSet<(string, string)>();
            for (var i = start; i < end; i++)
            {
                var r = records[i];
                var key = (r.Provider, r.Evidence.Nonce);
                // The revocation is in the log before this record would be: refuse, whatever a verifier's cache said.
                if (results[i] is null && _revoked.TryGetValue(r.KeyEntry, out var revokedAt))
                    return (ErrorCodes.KeyRevoked, $"key '{r.KeyId}' of provider '{r.Provider}' was revoked by entry {revokedAt}");
                if (results[i]?.ErrorCode is not null) return (ErrorCodes.NonceConflict, results[i]!.ErrorDetail!);
                if (!seen.Add(key)) return (ErrorCodes.NonceConflict, $"nonce {r.Evidence.Nonce} appears twice in one request");
                if (results[i] is null && pooled.TryGetValue(key, out var other) && !records[other].ContentDigest.AsSpan().SequenceEqual(r.ContentDigest))
                    return (ErrorCodes.NonceConflict, $"nonce {r.Evidence.Nonce} of provider '{r.Provider}' is already used by other content");
            }
            return null;
        }
    }

    /// <summary>
    /// Step 1, placement (memory only): in pool order, each admitted record's index from the head, the tiles it completes and
    /// its index records. The verifier wrote its entry and leaf hash. Invariant: indices are assigned in one pass from the head
    /// the batch was built on, so a commit never leaves a gap.
    /// </summary>
    private static ulong[] Place(LogBatch batch, List<Admitted> fresh, VerifiedRecord[] records)
    {
        var indices = new ulong[fresh.Count];
        for (var f = 0; f < fresh.Count; f++)
        {
            var (slot, providerBatch) = fresh[f];
            var r = records[slot];
            var index = providerBatch is not null
                ? batch.Add(r.LeafHash, providerBatch, (ulong)r.BatchIndex, r.Evidence.Jcs)
                : batch.Add(r.LeafData, r.LeafHash);
            batch.IndexByHash(r.Evidence.Hash, index);
            batch.IndexByContract(r.Provider, r.Evidence.ContractId, index);
            batch.IndexNonce(r.Provider, r.Evidence.Nonce, index);
            indices[f] = index;
        }
        return indices;
    }

    /// <summary>
    /// Steps 2 to 4 for a pool with new records. 2: sign the checkpoint of the new tree before anything is written (signing is
    /// local and cannot fail halfway). 3: commit. 4: the checkpoint goes into the witness file (fsynced), and only then are the
    /// callers answered: a Redis that later loses this batch cannot hide that it was. The signed checkpoint is the receipts'
    /// only signature: each record's receipt is its proof into this tree (step 5).
    /// </summary>
    private async Task CommitNewAsync(LogBatch batch, List<Admitted> fresh, VerifiedRecord[] records, ulong[] indices, SequencedRecord?[] results)
    {
        var checkpoint = signer.Sign(new Checkpoint(store.Origin, batch.NewSize, batch.Root()));
        for (var f = 0; f < fresh.Count; f++)
        {
            var r = records[fresh[f].Slot];
            results[fresh[f].Slot] = Committed(r.LeafData, indices[f], r.LeafHash, checkpoint);
        }
        await CommitAsync(batch, checkpoint).ConfigureAwait(false);
        await WitnessAsync(checkpoint, batch.NewSize).ConfigureAwait(false);
    }

    /// <summary>
    /// Steps 3 and 4 for a pool of retries only: they carry the head's checkpoint, which must be witnessed and, if a wait for
    /// fsync or replicas is configured, confirmed (the wait of the append that wrote them may have failed).
    /// </summary>
    private async Task ConfirmRetriesAsync(LogHead head)
    {
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

    /// <summary>
    /// Step 5: the receipts' proofs, all into the tree of the head now committed. Nodes of new leaves' proofs are in the
    /// batch's memory (<see cref="LogBatch.TryGetNode"/>); a retry's records may need older nodes, read from storage.
    /// </summary>
    private async Task<SequencedCall[]> ProveAsync(IReadOnlyList<VerifiedRecord[]> calls, VerifiedRecord[] records, SequencedRecord?[] results, LogBatch batch)
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

    /// <summary>Retries: a nonce committed before gets its original (proven in step 5); with other content it is a conflict.</summary>
    private async Task ResolveKnownNoncesAsync(VerifiedRecord[] records, SequencedRecord?[] results, LogHead head)
    {
        foreach (var group in Enumerable.Range(0, records.Length).GroupBy(i => records[i].Provider))
        {
            var nonces = group.Select(i => records[i].Evidence.Nonce).Distinct().ToList();
            var known = await store.ReadNoncesAsync(group.Key, nonces, head).ConfigureAwait(false);
            var hits = group.Where(i => known.ContainsKey(records[i].Evidence.Nonce)).ToList();
            // A retried batch can bring thousands of known nonces: read their entries concurrently.
            var entries = await Task.WhenAll(hits.Select(i => store.ReadLeafAsync(known[records[i].Evidence.Nonce].LeafIndex, head))).ConfigureAwait(false);
            for (var h = 0; h < hits.Count; h++)
            {
                var i = hits[h];
                var nonce = records[i].Evidence.Nonce;
                var record = known[nonce];
                if (entries[h] is not { } leaf) continue;
                var entry = LogEntry.FromJson(Jcs.ParseStrict(leaf.Data));
                // The index is a hint: trust it only if the entry there really is this provider's nonce.
                if (entry.Provider != records[i].Provider || entry.Evidence.Nonce != nonce) continue;
                var stored = ContentDigest(entry.Provider, entry.KeyId, entry.Evidence);
                results[i] = stored.AsSpan().SequenceEqual(records[i].ContentDigest)
                    ? Committed(leaf.Data, record.LeafIndex, leaf.Hash, head.Checkpoint!)
                    : SequencedRecord.Refused(ErrorCodes.NonceConflict,
                        $"nonce {nonce} of provider '{records[i].Provider}' is already used by other content (leaf {record.LeafIndex})");
            }
        }
    }

    /// <summary>A record in the log: leaf data is JCS(entry), the answer's entry as it is.</summary>
    private static SequencedRecord Committed(byte[] leafData, ulong index, byte[] leafHash, string checkpoint) =>
        new(leafData, index, checkpoint, null, null, Hex.Encode(leafHash));

    /// <summary>
    /// The provider batch to store once when <paramref name="call"/> is one whole batch as the verifier hands it over (record i
    /// has index i, all share one batch, signer, signature, key and time of receipt); otherwise null, and its records are
    /// stored whole. Its tree is the verifier's, whose root it checked against the signed root.
    /// </summary>
    private static StoredBatch? WholeBatch(VerifiedRecord[] call)
    {
        var first = call[0];
        if (first.Batch is not { } b || b.Size != call.Length.ToString(CultureInfo.InvariantCulture)) return null;
        for (var i = 0; i < call.Length; i++)
        {
            var r = call[i];
            if (!ReferenceEquals(r.Batch, b) || r.BatchIndex != i || r.Provider != first.Provider || r.KeyId != first.KeyId || r.Sig != first.Sig
                || r.KeyEntry != first.KeyEntry || r.ReceivedAt != first.ReceivedAt) return null;
        }
        return new StoredBatch(new ProviderBatch(first.Provider, first.KeyId, first.Sig, b.Root, (ulong)call.Length, first.ReceivedAt, JsonText(first.KeyEntry)), b.Tree);
    }

    private static string JsonText(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>What "the same content" means for a retry: d_i = JCS({provider, keyId, evidence}), leaf-hashed (as <see cref="VerifiedRecord.ContentDigest"/>).</summary>
    public static byte[] ContentDigest(string provider, string keyId, Evidence evidence) =>
        Statements.BatchLeafHash(provider, keyId, evidence.Canonical());
}
