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
    public bool Clean => Findings.Count == 0;
}

/// <summary>
/// Recomputes a whole log from its stored entries and checks everything else in Redis against it: the
/// hash tiles of every level, the head root, the head checkpoint and every kept checkpoint (signature and
/// root at its size), the hash, contract and nonce indexes of every entry, the key history (registrations prove
/// possession, no record follows its key's revocation), every confirmed anchor (its root against the tree at its size;
/// its registry and log ID against the trusted ones for its chain; and, when a lookup is given, the chain itself,
/// operator and key commitment included), and every stored TSA token (it time-stamps its kept checkpoint's body, and
/// its signature verifies).
/// </summary>
/// <remarks>
/// The reference tree is the one the signed head vouches for. When the entries hash to the signed root,
/// every differing stored tile is named; when only the stored leaf tiles do, the entries were changed
/// after signing and each changed entry is named. Kept checkpoints whose roots are roots of that one
/// tree at their sizes are prefixes of one another, so consecutive checkpoints are consistent.
/// </remarks>
public sealed class LogAudit(IConnectionMultiplexer redis, string origin)
{
    private const int Hash = TreeHasher.HashSize;
    private const int ParallelReads = 16;
    private const string HashIndex = "hash:"; // Names an evidence hash's index here; it lives in a bucket (LogKeys.ByHash).
    private readonly IDatabase _db = redis.GetDatabase();
    private readonly LogStore _store = new(redis, origin);

    /// <param name="logKey">The log key checkpoints must verify under; null checks their roots only.</param>
    /// <param name="trustedChains">Where the log is anchored, as the auditor trusts it (a trust file's chains): registry, operator, log ID.</param>
    /// <param name="chains">Lookups by chain ID; an anchor is checked on chain only with a lookup and a trusted chain entry.</param>
    public async Task<AuditReport> RunAsync(VerifierKey? logKey, IReadOnlyList<TrustedChain> trustedChains, IReadOnlyDictionary<string, IAnchorLookup> chains,
        IProgress<(ulong Done, ulong Total)>? progress, CancellationToken ct)
    {
        var findings = new List<AuditFinding>();
        var head = await _store.ReadHeadAsync().ConfigureAwait(false);
        var size = head.Size;
        var bundles = (size + 255) / 256;

        // Leaves as the entries give them, and as the stored leaf tiles give them.
        var fromEntries = new byte[checked((int)size * Hash)];
        var fromTiles = new byte[fromEntries.Length];
        var entries = new LogEntry?[size];
        var keyHistory = new Dictionary<ulong, object>(); // Key registrations and revocations, by leaf index.
        // Provider batches that the records of a window point at (F of batch/F → the batch, or what is wrong with it).
        var batches = new Dictionary<ulong, (StoredBatch? Batch, string? Problem)>();
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
            foreach (var (bundle, entryRead, tileRead) in reads)
            {
                var fields = entryRead.Result.ToDictionary(e => (string)e.Name!, e => (byte[])e.Value!, StringComparer.Ordinal);
                var tile = (byte[]?)tileRead.Result ?? [];
                for (var i = bundle * 256; i < Math.Min(size, bundle * 256 + 256); i++)
                {
                    var at = (int)i * Hash;
                    var inTile = (int)(i - bundle * 256) * Hash;
                    if (tile.Length >= inTile + Hash) tile.AsSpan(inTile, Hash).CopyTo(fromTiles.AsSpan(at));
                    if (!fields.TryGetValue(LogKeys.EntryField(i), out var data))
                    {
                        findings.Add(new($"entry {i}", "missing from storage"));
                        continue;
                    }
                    try { data = BatchRecord.TryParse(data, out var record) ? Rebuild(i, record, batches) : EntryCodec.Unpack(data); }
                    catch (InvalidDataException ex)
                    {
                        findings.Add(new($"entry {i}", ex.Message));
                        continue;
                    }
                    TreeHasher.HashLeaf(data, fromEntries.AsSpan(at, Hash));
                    entries[i] = Parse(i, data, keyHistory, findings);
                }
            }
            progress?.Report((Math.Min(size, last * 256), size));
        }

        var signedRoot = CheckHead(head, logKey, findings);
        var entriesRoot = RootsAt(fromEntries, [size])[size];
        var tilesRoot = RootsAt(fromTiles, [size])[size];
        byte[] reference;
        if (entriesRoot.AsSpan().SequenceEqual(signedRoot) || !tilesRoot.AsSpan().SequenceEqual(signedRoot))
        {
            reference = fromEntries;
            if (!entriesRoot.AsSpan().SequenceEqual(signedRoot))
                findings.Add(new("head", $"the signed root {Hex.Encode(signedRoot)} is neither the entries' root {Hex.Encode(entriesRoot)} nor the stored tiles'"));
        }
        else
        {
            // The leaf tiles match what was signed: the entries that disagree with them were changed afterwards.
            reference = fromTiles;
            for (ulong i = 0; i < size; i++)
                if ((entries[i] is not null || keyHistory.ContainsKey(i)) && !fromEntries.AsSpan((int)i * Hash, Hash).SequenceEqual(fromTiles.AsSpan((int)i * Hash, Hash)))
                    findings.Add(new($"entry {i}", $"its leaf hash {Hex.Encode(fromEntries.AsSpan((int)i * Hash, Hash))} is not the signed tree's {Hex.Encode(fromTiles.AsSpan((int)i * Hash, Hash))}"));
        }

        await CheckTilesAsync(reference, fromTiles, findings, ct).ConfigureAwait(false);
        var checkpoints = await ReadKeptCheckpointsAsync(size, findings).ConfigureAwait(false);
        var anchors = await ReadConfirmedAnchorsAsync(size, findings).ConfigureAwait(false);
        var roots = RootsAt(reference, [.. checkpoints.Keys, .. anchors.Select(a => a.Size)]);
        CheckKeptCheckpoints(checkpoints, roots, logKey, findings);
        var uncheckedChains = await CheckAnchorsAsync(anchors, roots, trustedChains, chains, logKey is null ? [] : RegistryLog.KeyCommitment(logKey.ToString()), findings, ct).ConfigureAwait(false);
        await CheckIndexesAsync(entries, findings, ct).ConfigureAwait(false);
        CheckKeyHistory(entries, keyHistory, findings);
        var timestamps = await CheckTimestampsAsync(size, checkpoints, findings).ConfigureAwait(false);
        return new AuditReport(origin, size, logKey is not null, checkpoints.Count, anchors.Count, uncheckedChains,
            [.. findings.OrderBy(f => f.Subject, SubjectOrder.Instance)], timestamps);
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
        return StoredBatch.LeafData(batch.Shared, record, batch.Inclusion(record.Index), $"entry {index}");
    }

    /// <summary>The root the head vouches for: its signed checkpoint's (when it verifies), else the head's own.</summary>
    private byte[] CheckHead(LogHead head, VerifierKey? logKey, List<AuditFinding> findings)
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

    private Checkpoint? CheckNote(string note, VerifierKey? logKey, string subject, List<AuditFinding> findings)
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

    /// <summary>Every stored tile of every level against the tiles of the reference leaves.</summary>
    private async Task CheckTilesAsync(byte[] leaves, byte[] storedLeaves, List<AuditFinding> findings, CancellationToken ct)
    {
        var row = leaves;
        for (var level = 0; row.Length > 0; level++)
        {
            var count = TileRows.TileCount(row);
            for (ulong first = 0; first < count; first += ParallelReads)
            {
                ct.ThrowIfCancellationRequested();
                var last = Math.Min(count, first + ParallelReads);
                var reads = new List<(ulong Index, Task<RedisValue> Read)>();
                for (var n = first; n < last; n++) reads.Add((n, level == 0 ? Task.FromResult(RedisValue.Null) : _db.StringGetAsync(_store.Keys.Full(LogKeys.Tile(level, n)))));
                await Task.WhenAll(reads.Select(r => r.Read)).ConfigureAwait(false);
                foreach (var (n, read) in reads)
                {
                    var expected = TileRows.Tile(row, n);
                    // Level 0 was read already, into the stored-leaves array (zeros where missing).
                    var stored = level == 0 ? TileRows.Tile(storedLeaves, n) : ((byte[]?)read.Result ?? []).AsSpan();
                    if (stored.Length < expected.Length && level > 0)
                        findings.Add(new($"tile {level}/{n}", $"holds {stored.Length / Hash} hashes, the tree needs {expected.Length / Hash}"));
                    else if (!stored[..expected.Length].SequenceEqual(expected))
                    {
                        var at = 0;
                        while (stored.Slice(at * Hash, Hash).SequenceEqual(expected.Slice(at * Hash, Hash))) at++;
                        findings.Add(new($"tile {level}/{n}", $"hash {at} is {Hex.Encode(stored.Slice(at * Hash, Hash))}, the tree's is {Hex.Encode(expected.Slice(at * Hash, Hash))}"));
                    }
                }
            }
            row = TileRows.Above(row);
        }
    }

    private async Task<SortedDictionary<ulong, string>> ReadKeptCheckpointsAsync(ulong size, List<AuditFinding> findings)
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

    private void CheckKeptCheckpoints(SortedDictionary<ulong, string> notes, Dictionary<ulong, byte[]> roots, VerifierKey? logKey, List<AuditFinding> findings)
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
    private async Task<List<(string Subject, ulong Size, ChainAnchor Anchor)>> ReadConfirmedAnchorsAsync(ulong size, List<AuditFinding> findings)
    {
        var result = new List<(string, ulong, ChainAnchor)>();
        var prefix = _store.Keys.Prefix + "anchors/";
        var pattern = System.Text.RegularExpressions.Regex.Replace(prefix, @"[*?\[\]\\]", m => "\\" + m.Value) + "*";
        foreach (var endpoint in redis.GetEndPoints())
        {
            await foreach (var key in redis.GetServer(endpoint).KeysAsync(pattern: pattern).ConfigureAwait(false))
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
        List<AuditFinding> findings, CancellationToken ct)
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
    private async Task<int> CheckTimestampsAsync(ulong size, SortedDictionary<ulong, string> checkpoints, List<AuditFinding> findings)
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

    /// <summary>The root of the tree at each of <paramref name="sizes"/>, in one pass over the leaves.</summary>
    private static Dictionary<ulong, byte[]> RootsAt(byte[] leaves, IEnumerable<ulong> sizes)
    {
        var roots = new Dictionary<ulong, byte[]>();
        var range = new CompactRange();
        foreach (var at in sizes.Distinct().Order())
        {
            while (range.Size < at) range.Append(leaves.AsSpan((int)range.Size * Hash, Hash));
            roots[at] = range.Root();
        }
        return roots;
    }

    /// <summary>Every entry is findable by its hash, its contract and its nonce; the lists point at entries that match.</summary>
    private async Task CheckIndexesAsync(LogEntry?[] entries, List<AuditFinding> findings, CancellationToken ct)
    {
        var lists = new Dictionary<string, HashSet<ulong>>(StringComparer.Ordinal);
        async Task<HashSet<ulong>> ListAsync(string key)
        {
            if (lists.TryGetValue(key, out var set)) return set;
            if (key.StartsWith(HashIndex, StringComparison.Ordinal))
            {
                var (bucket, field) = LogKeys.ByHash(key[HashIndex.Length..]);
                set = [.. LogKeys.IndexValues((byte[]?)await _db.HashGetAsync(_store.Keys.Full(bucket), field).ConfigureAwait(false))];
            }
            else
            {
                var values = await _db.ListRangeAsync(_store.Keys.Full(key)).ConfigureAwait(false);
                set = [.. values.Select(v => ulong.TryParse((string?)v, NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? x : ulong.MaxValue)];
            }
            lists[key] = set;
            return set;
        }
        for (ulong i = 0; i < (ulong)entries.Length; i++)
        {
            if (i % 4096 == 0) ct.ThrowIfCancellationRequested();
            if (entries[i] is not { } e) continue;
            if (!(await ListAsync(HashIndex + e.Evidence.Hash).ConfigureAwait(false)).Contains(i))
                findings.Add(new($"entry {i}", "is missing from the index of its evidence hash"));
            if (!(await ListAsync(LogKeys.ByContract(e.Provider, e.Evidence.ContractId)).ConfigureAwait(false)).Contains(i))
                findings.Add(new($"entry {i}", "is missing from the index of its contract"));
            var (nonceBucket, nonceField) = LogKeys.ByNonce(e.Provider, e.Evidence.Nonce);
            var nonce = NonceRecord.Parse((byte[]?)await _db.HashGetAsync(_store.Keys.Full(nonceBucket), nonceField).ConfigureAwait(false));
            if (nonce?.LeafIndex != i) findings.Add(new($"entry {i}", $"its nonce is indexed {(nonce is { } n ? "at entry " + n.LeafIndex : "nowhere")}"));
        }
        // The other direction, for every list read above: an index below the head names an entry that carries its key.
        var byKey = new Dictionary<string, List<ulong>>(StringComparer.Ordinal);
        for (ulong i = 0; i < (ulong)entries.Length; i++)
        {
            if (entries[i] is not { } e) continue;
            foreach (var key in new[] { HashIndex + e.Evidence.Hash, LogKeys.ByContract(e.Provider, e.Evidence.ContractId) })
                (byKey.TryGetValue(key, out var l) ? l : byKey[key] = []).Add(i);
        }
        foreach (var (key, listed) in lists)
        {
            var owners = byKey.TryGetValue(key, out var o) ? o.ToHashSet() : [];
            foreach (var i in listed.Where(i => i < (ulong)entries.Length && entries[i] is not null && !owners.Contains(i)))
                findings.Add(new($"entry {i}", $"is listed under {(key.StartsWith(HashIndex, StringComparison.Ordinal) ? "an evidence hash" : "a contract")} it does not carry"));
        }
    }

    /// <summary>An evidence entry, or null; key registrations and revocations go into <paramref name="keyHistory"/>.</summary>
    private static LogEntry? Parse(ulong index, byte[] data, Dictionary<ulong, object> keyHistory, List<AuditFinding> findings)
    {
        try
        {
            var json = Jcs.ParseStrict(data);
            if (json is JsonObject obj && KeyEntries.TypeOf(obj) is { } type)
            {
                byte[] canonical;
                if (type == KeyRevocation.Type)
                {
                    var revocation = KeyRevocation.FromJson(obj);
                    (keyHistory[index], canonical) = (revocation, revocation.LeafData());
                }
                else
                {
                    var registration = KeyRegistration.FromJson(obj);
                    (keyHistory[index], canonical) = (registration, registration.LeafData());
                }
                if (!canonical.AsSpan().SequenceEqual(data)) findings.Add(new($"entry {index}", "is not in canonical form (JCS)"));
                return null;
            }
            var entry = LogEntry.FromJson(json);
            if (!entry.LeafData().AsSpan().SequenceEqual(data)) findings.Add(new($"entry {index}", "is not in canonical form (JCS)"));
            return entry;
        }
        catch (Exception ex) when (ex is AnchorException or System.Text.Json.JsonException or FormatException)
        {
            findings.Add(new($"entry {index}", $"is not a log entry: {ex.Message}"));
            return null;
        }
    }

    /// <summary>
    /// Key history (DESIGN A3): every registration proves possession of its key; every revocation ends an earlier
    /// registration of the same key; every record names an earlier registration of the key that signed it, and no
    /// record follows that key's revocation entry.
    /// </summary>
    private static void CheckKeyHistory(LogEntry?[] entries, Dictionary<ulong, object> keyHistory, List<AuditFinding> findings)
    {
        var revokedAt = new Dictionary<ulong, ulong>();
        foreach (var (index, e) in keyHistory.OrderBy(k => k.Key))
        {
            if (e is KeyRegistration registration)
            {
                if (!registration.ProvesPossession(out var error)) findings.Add(new($"entry {index}", $"key registration: {error}"));
            }
            else if (e is KeyRevocation revocation)
            {
                var target = ulong.Parse(revocation.Registration, CultureInfo.InvariantCulture);
                if (target >= index || !keyHistory.TryGetValue(target, out var r) || r is not KeyRegistration k || k.Provider != revocation.Provider || k.KeyId != revocation.KeyId)
                    findings.Add(new($"entry {index}", $"revokes entry {target}, which is not an earlier registration of {revocation.Provider}/{revocation.KeyId}"));
                else revokedAt.TryAdd(target, index);
            }
        }
        for (ulong i = 0; i < (ulong)entries.Length; i++)
        {
            if (entries[i] is not { } e) continue;
            var keyIndex = ulong.Parse(e.KeyEntry, CultureInfo.InvariantCulture);
            if (keyIndex >= i || !keyHistory.TryGetValue(keyIndex, out var r) || r is not KeyRegistration k || k.Provider != e.Provider || k.KeyId != e.KeyId)
                findings.Add(new($"entry {i}", $"names key entry {keyIndex}, which is not an earlier registration of {e.Provider}/{e.KeyId}"));
            else if (revokedAt.TryGetValue(keyIndex, out var revocation) && revocation < i)
                findings.Add(new($"entry {i}", $"was accepted under {e.Provider}/{e.KeyId} after its revocation in entry {revocation}"));
        }
    }

    /// <summary>"entry 9" before "entry 10": subjects sort by kind, then number.</summary>
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
