using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Timestamping;
using Anchor.Core.Verification;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>One thing the audit found wrong: what (e.g. "entry 12", "tile 0/3", "checkpoint 40") and how.</summary>
public sealed record AuditFinding(string Subject, string Problem);

/// <param name="UncheckedChains">
/// Chain IDs with confirmed anchors that were only checked against the tree, not the chain: no trusted registry and
/// operator for the chain, or no lookup.
/// </param>
/// <param name="Timestamps">TSA tokens re-checked against their kept checkpoints (imprint, signature, ESSCertID, EKU; not their roots).</param>
public sealed record AuditReport(string Origin, ulong Size, bool SignaturesChecked, int KeptCheckpoints, int Anchors,
    IReadOnlyList<string> UncheckedChains, IReadOnlyList<AuditFinding> Findings, int Timestamps)
{
    /// <summary>On-chain anchors (Anchored events of the trusted log IDs) whose roots were compared with the log's.</summary>
    public int ChainAnchors { get; init; }

    /// <summary>Problems found beyond the first <see cref="AuditFindings.Limit"/>, counted but not listed (memory stays bounded).</summary>
    public long Unlisted { get; init; }

    public bool Clean => Findings.Count == 0 && Unlisted == 0;
}

/// <summary>One (size, root) a chain holds for the audited log: an Anchored event of its registry under the trusted log ID.</summary>
public sealed record OnChainAnchor(string ChainId, ulong TreeSize, string RootHex, string TxHash);

/// <summary>
/// Recomputes a whole log from its stored entries and checks everything else in Redis against it: the
/// hash tiles of every level, the head root, the head checkpoint and every kept checkpoint (signature and
/// root at its size), the hash, contract and nonce indexes of every entry, the key history (registrations prove
/// possession, no record follows its key's revocation), every confirmed anchor (its root against the tree at its size;
/// its registry and log ID against the trusted ones for its chain; and, when a lookup is given, the chain itself,
/// operator and key commitment included), every anchor the chains hold for the log (the log's root at its size), and
/// every stored TSA token (it time-stamps its kept checkpoint's body, and its signature verifies).
/// </summary>
/// <remarks>
/// The reference tree is the one the signed head vouches for. When the entries hash to the signed root,
/// every differing stored tile is named; when only the stored leaf tiles do, the entries were changed
/// after signing and each changed entry is named. Kept checkpoints whose roots are roots of that one
/// tree at their sizes are prefixes of one another, so consecutive checkpoints are consistent.
/// The entries are read in one pass, 4,096 at a time, and forgotten: the trees are compact ranges (O(log n) hashes)
/// that give the roots at the sizes needed on the way and the tiles as they complete (<see cref="AuditTree"/>), the
/// indexes and the key history are checked window by window, and sizes and indices are 64-bit throughout. Memory is
/// bounded by the window, the list cache, the key entries and the first <see cref="AuditFindings.Limit"/> findings,
/// never by the log's size.
/// </remarks>
public sealed partial class LogAudit(IConnectionMultiplexer redis, string origin)
{
    private const int Hash = TreeHasher.HashSize;
    private const int ParallelReads = 16;
    private const string HashIndex = "hash:"; // Names an evidence hash's index here; it lives in a bucket (LogKeys.ByHash).
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly LogStore _store = new(redis, origin);

    /// <summary>The audit without on-chain anchors to compare (no RPC).</summary>
    public Task<AuditReport> RunAsync(VerifierKey? logKey, IReadOnlyList<TrustedChain> trustedChains, IReadOnlyDictionary<string, IAnchorLookup> chains,
        IProgress<(ulong Done, ulong Total)>? progress, CancellationToken ct) =>
        RunAsync(logKey, trustedChains, chains, [], progress, ct);

    /// <param name="logKey">The log key checkpoints must verify under; null checks their roots only.</param>
    /// <param name="trustedChains">Where the log is anchored, as the auditor trusts it (a trust file's chains): registry, operator, log ID.</param>
    /// <param name="chains">Lookups by chain ID; an anchor is checked on chain only with a lookup and a trusted chain entry.</param>
    /// <param name="onChain">
    /// Every (size, root) the chains hold for this log (the registry's Anchored events of the trusted log ID): the log's
    /// root at each size must be that root, and no size may lie beyond the log's head.
    /// </param>
    public async Task<AuditReport> RunAsync(VerifierKey? logKey, IReadOnlyList<TrustedChain> trustedChains, IReadOnlyDictionary<string, IAnchorLookup> chains,
        IReadOnlyList<OnChainAnchor> onChain, IProgress<(ulong Done, ulong Total)>? progress, CancellationToken ct)
    {
        var findings = new AuditFindings();
        var head = await _store.ReadHeadAsync().ConfigureAwait(false);
        var size = head.Size;
        var signedRoot = CheckHead(head, logKey, findings);
        var checkpoints = await ReadKeptCheckpointsAsync(size, findings).ConfigureAwait(false);
        var anchors = await ReadConfirmedAnchorsAsync(size, findings).ConfigureAwait(false);
        // The sizes whose roots are needed, taken on the way by both rebuilt trees.
        var wanted = new Queue<ulong>(new SortedSet<ulong>([size, .. checkpoints.Keys, .. anchors.Select(a => a.Size), .. onChain.Select(a => a.TreeSize).Where(s => s <= size)]));

        // Two trees, rebuilt leaf by leaf: of the leaves as the entries give them, and as the stored leaf tiles give
        // them. Which one is the reference is known only at the end (the one the signed head vouches for), so the
        // findings that depend on it are kept for both until then.
        var fromEntries = new AuditTree();
        var fromTiles = new AuditTree();
        var (entryRoots, tileRoots) = (new Dictionary<ulong, byte[]>(), new Dictionary<ulong, byte[]>());
        var (entryTileFindings, tileTileFindings, changedEntries) = (new AuditFindings(), new AuditFindings(), new AuditFindings());
        var keys = new KeyHistory();
        var indexes = new IndexCheck(this, size);
        // Provider batches that the records of a window point at (F of batch/F → the batch, or what is wrong with it).
        var batches = new Dictionary<ulong, (StoredBatch? Batch, string? Problem)>();
        var bundles = (size + 255) / 256;
        var entryHash = new byte[Hash];
        void TakeRoots()
        {
            while (wanted.Count > 0 && wanted.Peek() == fromEntries.Size)
            {
                entryRoots[fromEntries.Size] = fromEntries.Root();
                tileRoots[fromEntries.Size] = fromTiles.Root();
                wanted.Dequeue();
            }
        }
        TakeRoots();
        for (ulong first = 0; first < bundles; first += ParallelReads)
        {
            ct.ThrowIfCancellationRequested();
            var last = Math.Min(bundles, first + ParallelReads);
            var reads = new List<(ulong Bundle, Task<HashEntry[]> Entries, Task<RedisValue> Tile)>();
            for (var b = first; b < last; b++)
                reads.Add((b, _db.HashGetAllAsync(_store.Keys.Full("entries/" + b.ToString(CultureInfo.InvariantCulture))),
                    _db.StringGetAsync(_store.Keys.Full(LogKeys.Tile(0, b)))));
            await Task.WhenAll(reads.SelectMany(r => new Task[] { r.Entries, r.Tile })).ConfigureAwait(false);
            batches = await ReadBatchesAsync(reads.Select(r => (r.Bundle, r.Entries.Result)), batches).ConfigureAwait(false);
            var window = new List<(ulong Index, LogEntry Entry)>();
            var storedLeafTiles = new Dictionary<ulong, byte[]>();
            foreach (var (bundle, entryRead, tileRead) in reads)
            {
                var fields = entryRead.Result.ToDictionary(e => (string)e.Name!, e => (byte[])e.Value!, StringComparer.Ordinal);
                var tile = storedLeafTiles[bundle] = (byte[]?)tileRead.Result ?? [];
                for (var i = bundle * 256; i < Math.Min(size, bundle * 256 + 256); i++)
                {
                    var inTile = (int)(i - bundle * 256) * Hash;
                    // A missing leaf (entry or tile hash) counts as zeros, so that the tree still has the log's shape.
                    var tileHash = tile.Length >= inTile + Hash ? tile.AsSpan(inTile, Hash) : new byte[Hash];
                    Array.Clear(entryHash);
                    var entry = ReadEntry(i, fields, batches, entryHash, keys, findings, out var isEntry);
                    fromEntries.Append(entryHash);
                    fromTiles.Append(tileHash);
                    TakeRoots();
                    if (isEntry && !entryHash.AsSpan().SequenceEqual(tileHash))
                        changedEntries.Add(new($"entry {i}", $"its leaf hash {Hex.Encode(entryHash)} is not the signed tree's {Hex.Encode(tileHash)}"));
                    if (entry is not null) window.Add((i, entry));
                }
            }
            await CompareTilesAsync(fromEntries.TakeCompleted(), storedLeafTiles, entryTileFindings).ConfigureAwait(false);
            await CompareTilesAsync(fromTiles.TakeCompleted(), null, tileTileFindings).ConfigureAwait(false);
            await indexes.CheckAsync(first * 256, Math.Min(size, last * 256), window, findings).ConfigureAwait(false);
            progress?.Report((Math.Min(size, last * 256), size));
        }
        await CompareTilesAsync(fromEntries.Finish(), null, entryTileFindings).ConfigureAwait(false);
        await CompareTilesAsync(fromTiles.Finish(), null, tileTileFindings).ConfigureAwait(false);

        // The reference is the tree the signed head vouches for: the entries', unless only the stored leaf tiles match
        // what was signed (then the entries that disagree with them were changed afterwards).
        Dictionary<ulong, byte[]> roots;
        if (entryRoots[size].AsSpan().SequenceEqual(signedRoot) || !tileRoots[size].AsSpan().SequenceEqual(signedRoot))
        {
            roots = entryRoots;
            if (!entryRoots[size].AsSpan().SequenceEqual(signedRoot))
                findings.Add(new("head", $"the signed root {Hex.Encode(signedRoot)} is neither the entries' root {Hex.Encode(entryRoots[size])} nor the stored tiles'"));
            findings.AddRange(entryTileFindings);
        }
        else
        {
            roots = tileRoots;
            findings.AddRange(changedEntries);
            findings.AddRange(tileTileFindings);
        }

        CheckKeptCheckpoints(checkpoints, roots, logKey, findings);
        var uncheckedChains = await CheckAnchorsAsync(anchors, roots, trustedChains, chains, logKey is null ? [] : RegistryLog.KeyCommitment(logKey.ToString()), findings, ct).ConfigureAwait(false);
        CheckOnChain(onChain, roots, size, findings);
        var timestamps = await CheckTimestampsAsync(size, checkpoints, findings).ConfigureAwait(false);
        return new AuditReport(origin, size, logKey is not null, checkpoints.Count, anchors.Count, uncheckedChains,
            findings.Sorted(SubjectOrder.Instance), timestamps) { ChainAnchors = onChain.Count, Unlisted = findings.Dropped };
    }

    /// <summary>
    /// The entry at <paramref name="index"/>: its leaf hash into <paramref name="leafHash"/> (left zero when it cannot be
    /// read), key registrations and revocations checked and kept in <paramref name="keys"/>, and the evidence entry (checked
    /// against its key's history) returned; <paramref name="isEntry"/> says whether it parsed as any kind of entry.
    /// </summary>
    private static LogEntry? ReadEntry(ulong index, Dictionary<string, byte[]> fields, Dictionary<ulong, (StoredBatch? Batch, string? Problem)> batches,
        Span<byte> leafHash, KeyHistory keys, AuditFindings findings, out bool isEntry)
    {
        isEntry = false;
        if (!fields.TryGetValue(LogKeys.EntryField(index), out var data))
        {
            findings.Add(new($"entry {index}", "missing from storage"));
            return null;
        }
        try { data = BatchRecord.TryParse(data, out var record) ? Rebuild(index, record, batches) : EntryCodec.Unpack(data); }
        catch (InvalidDataException ex)
        {
            findings.Add(new($"entry {index}", ex.Message));
            return null;
        }
        TreeHasher.HashLeaf(data, leafHash);
        var entry = Parse(index, data, keys, findings, out isEntry);
        if (entry is not null) keys.CheckRecord(index, entry, findings);
        return entry;
    }

    /// <summary>
    /// Rebuilt tiles against the stored ones. Level-0 tiles come from <paramref name="storedLeafTiles"/> when given (read
    /// with the entries), else from Redis; null there and a level-0 tile of the tiles' own tree: nothing to compare.
    /// </summary>
    private async Task CompareTilesAsync(List<(int Level, ulong Index, byte[] Hashes)> tiles, Dictionary<ulong, byte[]>? storedLeafTiles, AuditFindings findings)
    {
        var reads = tiles.Select(t => t.Level == 0 && storedLeafTiles?.TryGetValue(t.Index, out var known) == true
            ? Task.FromResult((RedisValue)known)
            : _db.StringGetAsync(_store.Keys.Full(LogKeys.Tile(t.Level, t.Index)))).ToList();
        await Task.WhenAll(reads).ConfigureAwait(false);
        for (var t = 0; t < tiles.Count; t++)
        {
            var (level, n, expected) = tiles[t];
            var stored = (byte[]?)reads[t].Result ?? [];
            if (level == 0 && stored.Length < expected.Length) stored = [.. stored, .. new byte[expected.Length - stored.Length]]; // Missing leaf hashes are zeros, as above.
            if (stored.Length < expected.Length)
                findings.Add(new($"tile {level}/{n}", $"holds {stored.Length / Hash} hashes, the tree needs {expected.Length / Hash}"));
            else if (!stored.AsSpan(0, expected.Length).SequenceEqual(expected))
            {
                var at = 0;
                while (stored.AsSpan(at * Hash, Hash).SequenceEqual(expected.AsSpan(at * Hash, Hash))) at++;
                findings.Add(new($"tile {level}/{n}", $"hash {at} is {Hex.Encode(stored.AsSpan(at * Hash, Hash))}, the tree's is {Hex.Encode(expected.AsSpan(at * Hash, Hash))}"));
            }
        }
    }

    /// <summary>
    /// What the chains hold for this log against the log: a size beyond the head means the log lost entries that were
    /// anchored (rolled back); a root that is not the log's root at its size means the log and the chain disagree.
    /// </summary>
    private static void CheckOnChain(IReadOnlyList<OnChainAnchor> onChain, Dictionary<ulong, byte[]> roots, ulong size, AuditFindings findings)
    {
        foreach (var a in onChain)
        {
            var subject = $"chain {a.ChainId}/{a.TreeSize}";
            if (a.TreeSize > size)
                findings.Add(new(subject, $"the chain holds root {a.RootHex} for size {a.TreeSize} (transaction {a.TxHash}), beyond the log's size {size}: the log lost anchored entries"));
            else if (!string.Equals(a.RootHex, Hex.Encode(roots[a.TreeSize]), StringComparison.OrdinalIgnoreCase))
                findings.Add(new(subject, $"the chain holds root {a.RootHex} for size {a.TreeSize} (transaction {a.TxHash}), but the log's root at that size is {Hex.Encode(roots[a.TreeSize])}"));
        }
    }

    /// <summary>
    /// The batches that the batch records of one window of bundles point at, decoded once each: those already in
    /// <paramref name="known"/> (a batch spans windows) are kept, the others read whole; the rest is dropped.
    /// </summary>
    private async Task<Dictionary<ulong, (StoredBatch? Batch, string? Problem)>> ReadBatchesAsync(
        IEnumerable<(ulong Bundle, HashEntry[] Fields)> bundles, Dictionary<ulong, (StoredBatch? Batch, string? Problem)> known)
    {
        var wanted = new Dictionary<ulong, ulong>(); // F → the batch size its first record names
        foreach (var (bundle, fields) in bundles)
        {
            foreach (var field in fields)
            {
                if (!ulong.TryParse((string?)field.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var at)) continue;
                try
                {
                    if (BatchRecord.TryParse((byte[])field.Value!, out var record) && record.Back <= bundle * 256 + at)
                        wanted.TryAdd(bundle * 256 + at - record.Back, record.Size);
                }
                catch (InvalidDataException) { } // Reported where the entry is rebuilt.
            }
        }
        var reads = wanted.Keys.Where(f => !known.ContainsKey(f)).Select(f => (First: f, Read: _db.StringGetAsync(_store.Keys.Full(LogKeys.Batch(f))))).ToList();
        await Task.WhenAll(reads.Select(r => r.Read)).ConfigureAwait(false);
        var batches = wanted.Keys.Where(known.ContainsKey).ToDictionary(f => f, f => known[f]);
        foreach (var (first, read) in reads)
        {
            var name = LogKeys.Batch(first);
            try
            {
                batches[first] = (byte[]?)read.Result is { } value ? (StoredBatch.Decode(value, wanted[first], name), null) : (null, $"{name} is missing from storage");
            }
            catch (InvalidDataException ex) { batches[first] = (null, ex.Message); }
        }
        return batches;
    }

    /// <summary>The leaf data of batch record <paramref name="index"/>, rebuilt from its batch.</summary>
    private static byte[] Rebuild(ulong index, BatchRecord record, Dictionary<ulong, (StoredBatch? Batch, string? Problem)> batches)
    {
        if (record.Back > index) throw new InvalidDataException($"names a batch {record.Back} entries back, below entry 0");
        var name = LogKeys.Batch(index - record.Back);
        var (batch, problem) = batches[index - record.Back];
        if (batch is null) throw new InvalidDataException(problem);
        if (batch.Size != record.Size) throw new InvalidDataException($"names a batch of {record.Size}, {name} is one of {batch.Size}: storage is inconsistent");
        return batch.LeafData(record);
    }

    /// <summary>The root the head vouches for: its signed checkpoint's (when it verifies), else the head's own.</summary>
    private byte[] CheckHead(LogHead head, VerifierKey? logKey, AuditFindings findings)
    {
        if (head.Checkpoint is null)
        {
            if (head.Size > 0) findings.Add(new("head", "the head has no checkpoint"));
            return head.Root;
        }
        if (CheckNote(head.Checkpoint, logKey, $"checkpoint {head.Size}", findings) is not { } checkpoint) return head.Root;
        if (checkpoint.Size != head.Size || !checkpoint.Root.AsSpan().SequenceEqual(head.Root))
            findings.Add(new($"checkpoint {head.Size}", $"names size {checkpoint.Size} root {Hex.Encode(checkpoint.Root)}, the head size {head.Size} root {head.RootHex}"));
        return checkpoint.Root;
    }

    private Checkpoint? CheckNote(string note, VerifierKey? logKey, string subject, AuditFindings findings)
    {
        try
        {
            if (logKey is not null) return Checkpoint.Verify(note, logKey);
            var body = note[..(note.IndexOf("\n\n", StringComparison.Ordinal) + 1)];
            var checkpoint = Checkpoint.ParseBody(body);
            if (checkpoint.Origin != origin) findings.Add(new(subject, $"names origin '{checkpoint.Origin}'"));
            return checkpoint;
        }
        catch (Exception ex) when (ex is NoteError or ArgumentException)
        {
            findings.Add(new(subject, logKey is null ? $"is not a checkpoint: {ex.Message}" : $"does not verify with the log key: {ex.Message}"));
            return null;
        }
    }

    private async Task<SortedDictionary<ulong, string>> ReadKeptCheckpointsAsync(ulong size, AuditFindings findings)
    {
        var kept = await _db.HashGetAllAsync(_store.Keys.Checkpoints).ConfigureAwait(false);
        var notes = new SortedDictionary<ulong, string>();
        foreach (var k in kept)
        {
            if (ulong.TryParse((string?)k.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var at) && at <= size) notes[at] = (string)k.Value!;
            else findings.Add(new($"checkpoint {k.Name}", $"is kept under a size beyond the head ({size})"));
        }
        return notes;
    }

    private void CheckKeptCheckpoints(SortedDictionary<ulong, string> notes, Dictionary<ulong, byte[]> roots, VerifierKey? logKey, AuditFindings findings)
    {
        foreach (var (at, note) in notes)
        {
            if (CheckNote(note, logKey, $"checkpoint {at}", findings) is not { } checkpoint) continue;
            if (checkpoint.Size != at) findings.Add(new($"checkpoint {at}", $"is kept under size {at} but names size {checkpoint.Size}"));
            else if (!checkpoint.Root.AsSpan().SequenceEqual(roots[at]))
                findings.Add(new($"checkpoint {at}", $"root {Hex.Encode(checkpoint.Root)} is not the log's root at that size, {Hex.Encode(roots[at])}: it is inconsistent with the log"));
        }
    }

    /// <summary>The confirmed anchor records of every chain (keys anchors/CHAIN, see <see cref="AnchorStore"/>); pending and orphaned ones prove nothing.</summary>
    private async Task<List<(string Subject, ulong Size, ChainAnchor Anchor)>> ReadConfirmedAnchorsAsync(ulong size, AuditFindings findings)
    {
        var result = new List<(string, ulong, ChainAnchor)>();
        var prefix = _store.Keys.Prefix + "anchors/";
        var pattern = System.Text.RegularExpressions.Regex.Replace(prefix, @"[*?\[\]\\]", m => "\\" + m.Value) + "*";
        // Primaries only: a replica holds copies of the same keys (Redis Cluster lists them all), which would count twice.
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: pattern).ConfigureAwait(false))
            {
                var chain = ((string)key!)[prefix.Length..];
                if (chain.Contains('/', StringComparison.Ordinal)) continue; // anchors/CHAIN/pending and /status
                foreach (var record in await _db.HashGetAllAsync(key).ConfigureAwait(false))
                {
                    var subject = $"anchor {chain}/{record.Name}";
                    try
                    {
                        var json = Jcs.ParseStrict((string)record.Value!);
                        if (json["state"]?.GetValue<string>() != "confirmed") continue;
                        var anchor = ChainAnchor.FromJson(json);
                        subject = $"anchor {chain}/{anchor.TreeSize}";
                        if (!ulong.TryParse(anchor.TreeSize, NumberStyles.None, CultureInfo.InvariantCulture, out var at) || at > size)
                            findings.Add(new(subject, $"anchors size {anchor.TreeSize}, beyond the log's {size}"));
                        else result.Add((subject, at, anchor));
                    }
                    catch (Exception ex) when (ex is AnchorException or System.Text.Json.JsonException or InvalidOperationException)
                    {
                        findings.Add(new(subject, $"is not an anchor record: {ex.Message}"));
                    }
                }
            }
        }
        return result;
    }

    /// <returns>The chain IDs that had anchors but no trusted chain entry or no lookup.</returns>
    private static async Task<List<string>> CheckAnchorsAsync(List<(string Subject, ulong Size, ChainAnchor Anchor)> anchors, Dictionary<ulong, byte[]> roots,
        IReadOnlyList<TrustedChain> trustedChains, IReadOnlyDictionary<string, IAnchorLookup> chains, byte[] logKeyCommitment,
        AuditFindings findings, CancellationToken ct)
    {
        var uncheckedChains = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (subject, size, anchor) in anchors)
        {
            var root = anchor.RootHex;
            if (!string.Equals(root, Hex.Encode(roots[size]), StringComparison.OrdinalIgnoreCase))
                findings.Add(new(subject, $"root {root} is not the log's root at size {size}, {Hex.Encode(roots[size])}"));
            var listed = trustedChains.Where(c => c.ChainId == anchor.ChainId).ToList();
            if (listed.Count == 0)
            {
                uncheckedChains.Add(anchor.ChainId);
                continue;
            }
            // The registry, operator and log ID are the trusted ones, never the record's own.
            var trusted = listed.FirstOrDefault(c => string.Equals(c.Registry, anchor.Registry, StringComparison.OrdinalIgnoreCase));
            if (trusted is null)
            {
                findings.Add(new(subject, $"registry {anchor.Registry} is not a trusted registry of chain {anchor.ChainId} ({string.Join(", ", listed.Select(c => c.Registry))})"));
                continue;
            }
            if (!string.Equals(anchor.LogId, trusted.LogId, StringComparison.OrdinalIgnoreCase))
            {
                findings.Add(new(subject, $"logId {anchor.LogId} is not the trusted log ID {trusted.LogId} (operator {trusted.Operator})"));
                continue;
            }
            if (!chains.TryGetValue(anchor.ChainId, out var lookup))
            {
                uncheckedChains.Add(anchor.ChainId);
                continue;
            }
            foreach (var check in await lookup.CheckAsync(anchor, new AnchorExpectation(trusted, logKeyCommitment), 1, ct).ConfigureAwait(false))
                if (check.Status != CheckStatus.Pass) findings.Add(new(subject, $"{check.Name}: {check.Detail}"));
        }
        return [.. uncheckedChains];
    }

    /// <summary>
    /// Every stored token (<see cref="TimestampStore"/>) against the kept checkpoint of its size: the checkpoint is kept,
    /// the token time-stamps its body, and the TSA's signature, ESSCertID and EKU verify. Kept checkpoints are checked
    /// against the tree above, so a token that passes vouches for the log's own root. Whose roots the TSAs chain to is
    /// the verifier's question, not the audit's.
    /// </summary>
    /// <returns>How many tokens were checked.</returns>
    private async Task<int> CheckTimestampsAsync(ulong size, SortedDictionary<ulong, string> checkpoints, AuditFindings findings)
    {
        var records = await new TimestampStore(redis, origin).ReadAllAsync().ConfigureAwait(false);
        foreach (var (at, tsa, json) in records)
        {
            var subject = $"timestamp {tsa}/{(at == ulong.MaxValue ? "?" : at.ToString(CultureInfo.InvariantCulture))}";
            if (at > size) { findings.Add(new(subject, $"is stored under a size beyond the head ({size})")); continue; }
            if (!checkpoints.TryGetValue(at, out var checkpoint)) { findings.Add(new(subject, "has no kept checkpoint of its size")); continue; }
            try
            {
                var stamp = TsaTimestamp.FromJson(Jcs.ParseStrict(json));
                var token = TsaToken.Read(Convert.FromBase64String(stamp.Token));
                token.CheckImprint(stamp.HashAlg, TsaHashAlg.CheckpointImprint(stamp.HashAlg, checkpoint));
                token.CheckSignature();
            }
            catch (Exception ex) when (ex is AnchorException or TsaException or NoteError or FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                findings.Add(new(subject, ex.Message));
            }
        }
        return records.Count;
    }

    /// <summary>
    /// An evidence entry, or null; key registrations and revocations are checked and kept in <paramref name="keys"/>.
    /// <paramref name="isEntry"/>: it parsed as an entry of any kind.
    /// </summary>
    private static LogEntry? Parse(ulong index, byte[] data, KeyHistory keys, AuditFindings findings, out bool isEntry)
    {
        isEntry = false;
        // A root log's leaf is the body of a member log's checkpoint (docs/sealing.md, "The root log"), not JSON.
        if (data.Length > 0 && data[0] != (byte)'{' && IsCheckpointBody(data))
        {
            isEntry = true;
            return null;
        }
        try
        {
            var json = Jcs.ParseStrict(data);
            if (json is JsonObject obj && KeyEntries.TypeOf(obj) is { } type)
            {
                byte[] canonical;
                if (type == KeyRevocation.Type)
                {
                    var revocation = KeyRevocation.FromJson(obj);
                    keys.Revoke(index, revocation, findings);
                    canonical = revocation.LeafData();
                }
                else
                {
                    var registration = KeyRegistration.FromJson(obj);
                    keys.Register(index, registration, findings);
                    canonical = registration.LeafData();
                }
                isEntry = true;
                if (!canonical.AsSpan().SequenceEqual(data)) findings.Add(new($"entry {index}", "is not in canonical form (JCS)"));
                return null;
            }
            var entry = LogEntry.FromJson(json);
            isEntry = true;
            if (!entry.LeafData().AsSpan().SequenceEqual(data)) findings.Add(new($"entry {index}", "is not in canonical form (JCS)"));
            return entry;
        }
        catch (Exception ex) when (ex is AnchorException or System.Text.Json.JsonException or FormatException)
        {
            findings.Add(new($"entry {index}", $"is not a log entry: {ex.Message}"));
            return null;
        }
    }

    private static bool IsCheckpointBody(byte[] data)
    {
        try
        {
            var text = new System.Text.UTF8Encoding(false, true).GetString(data);
            return Checkpoint.ParseBody(text).Body() == text;
        }
        catch (Exception ex) when (ex is ArgumentException or NoteError or FormatException or AnchorException)
        {
            return false;
        }
    }

    private sealed class SubjectOrder : IComparer<string>
    {
        public static readonly SubjectOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var (kx, nx) = Split(x ?? "");
            var (ky, ny) = Split(y ?? "");
            var c = string.CompareOrdinal(kx, ky);
            return c != 0 ? c : nx.Length != ny.Length ? nx.Length.CompareTo(ny.Length) : string.CompareOrdinal(nx, ny);
        }

        private static (string Kind, string Number) Split(string s) => s.IndexOf(' ') is var i and > 0 ? (s[..i], s[(i + 1)..]) : (s, "");
    }
}
