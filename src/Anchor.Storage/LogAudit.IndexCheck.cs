using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;
using StackExchange.Redis;

namespace Anchor.Storage;

public sealed partial class LogAudit
{
    /// <summary>
    /// Every entry is findable by its hash, its contract and its nonce, and the lists point only at entries that carry
    /// their key, checked window by window as the entries stream by, in bounded memory.
    /// </summary>
    /// <remarks>
    /// A list is read when a window first needs it and cached (up to <see cref="CachedMembers"/> indices in all, oldest
    /// dropped first). On each fresh read its members are claimed to carry its key: those in the window are checked at
    /// once, later ones when their window comes (held as pending claims), earlier ones by reading that entry again
    /// (only a list read again after it left the cache, or one naming an entry before its first carrier, has those).
    /// </remarks>
    private sealed class IndexCheck(LogAudit audit, ulong size)
    {
        private const long CachedMembers = 1 << 20;
        private readonly Dictionary<string, HashSet<ulong>> _cache = new(StringComparer.Ordinal);
        private readonly Queue<string> _cacheOrder = new();
        private long _cached;
        private readonly Dictionary<ulong, List<string>> _pending = []; // Entry → the keys of lists that name it.

        public async Task CheckAsync(ulong start, ulong end, List<(ulong Index, LogEntry Entry)> window, AuditFindings findings)
        {
            var byIndex = window.ToDictionary(w => w.Index, w => w.Entry);
            foreach (var i in _pending.Keys.Where(i => i < end).ToList())
            {
                _pending.Remove(i, out var claimed);
                // Only entries that parsed as evidence are checked (a missing or broken one is reported as such).
                if (byIndex.TryGetValue(i, out var e))
                    foreach (var key in claimed!) CheckCarries(i, e, key, findings);
            }

            var lists = new Dictionary<string, HashSet<ulong>>(StringComparer.Ordinal);
            foreach (var key in window.SelectMany(w => KeysOf(w.Entry)))
                if (_cache.TryGetValue(key, out var cached)) lists.TryAdd(key, cached);
            var fresh = window.SelectMany(w => KeysOf(w.Entry)).Distinct(StringComparer.Ordinal).Where(k => !lists.ContainsKey(k))
                .Select(k => (Key: k, Read: ReadListAsync(k))).ToList();
            var nonces = window.Select(w => (w.Index, Read: ReadNonceAsync(w.Entry))).ToList();
            await Task.WhenAll(fresh.Select(f => (Task)f.Read).Concat(nonces.Select(n => n.Read))).ConfigureAwait(false);

            var earlier = new List<(ulong Index, string Key)>();
            foreach (var (key, read) in fresh)
            {
                var members = lists[key] = read.Result;
                Cache(key, members);
                foreach (var j in members.Where(j => j < size))
                {
                    if (j >= end) (_pending.TryGetValue(j, out var l) ? l : _pending[j] = []).Add(key);
                    else if (j >= start) { if (byIndex.TryGetValue(j, out var e)) CheckCarries(j, e, key, findings); }
                    else earlier.Add((j, key));
                }
            }
            foreach (var ((i, e), (_, nonce)) in window.Zip(nonces))
            {
                if (!lists[HashIndex + e.Evidence.Hash].Contains(i)) findings.Add(new($"entry {i}", "is missing from the index of its evidence hash"));
                if (!lists[ContractIndex(e)].Contains(i)) findings.Add(new($"entry {i}", "is missing from the index of its contract"));
                var record = NonceRecord.Parse((byte[]?)nonce.Result);
                if (record?.LeafIndex != i) findings.Add(new($"entry {i}", $"its nonce is indexed {(record is { } n ? "at entry " + n.LeafIndex : "nowhere")}"));
            }
            foreach (var (j, key) in earlier)
                if (await ReadEvidenceEntryAsync(j).ConfigureAwait(false) is { } e) CheckCarries(j, e, key, findings);
        }

        private static string[] KeysOf(LogEntry e) => [HashIndex + e.Evidence.Hash, ContractIndex(e)];

        // A contract's index is named by provider and contract id (provider ids hold no newline, so the first one splits them).
        private const string ContractPrefix = "contract\n";

        private static string ContractIndex(LogEntry e) => ContractPrefix + e.Provider + "\n" + e.Evidence.ContractId;

        private static void CheckCarries(ulong index, LogEntry e, string key, AuditFindings findings)
        {
            if (!KeysOf(e).Contains(key, StringComparer.Ordinal))
                findings.Add(new($"entry {index}", $"is listed under {(key.StartsWith(HashIndex, StringComparison.Ordinal) ? "an evidence hash" : "a contract")} it does not carry"));
        }

        private async Task<HashSet<ulong>> ReadListAsync(string key)
        {
            if (key.StartsWith(HashIndex, StringComparison.Ordinal))
            {
                var (bucket, field) = LogKeys.ByHash(key[HashIndex.Length..]);
                return [.. LogKeys.IndexValues((byte[]?)await audit._db.HashGetAsync(audit._store.Keys.Full(bucket), field).ConfigureAwait(false))];
            }
            var split = key.IndexOf('\n', ContractPrefix.Length);
            return [.. await audit._store.ReadContractIndexAsync(key[ContractPrefix.Length..split], key[(split + 1)..]).ConfigureAwait(false)];
        }

        private Task<RedisValue> ReadNonceAsync(LogEntry e)
        {
            var (bucket, field) = LogKeys.ByNonce(e.Provider, e.Evidence.Nonce);
            return audit._db.HashGetAsync(audit._store.Keys.Full(bucket), field);
        }

        private void Cache(string key, HashSet<ulong> members)
        {
            if (!_cache.TryAdd(key, members)) return;
            _cacheOrder.Enqueue(key);
            _cached += members.Count;
            while (_cached > CachedMembers && _cacheOrder.TryDequeue(out var oldest))
                if (_cache.Remove(oldest, out var dropped)) _cached -= dropped.Count;
        }

        /// <summary>Entry <paramref name="index"/> read again (its batch too, for a batch record); null unless it is an evidence entry.</summary>
        private async Task<LogEntry?> ReadEvidenceEntryAsync(ulong index)
        {
            var bundle = index / 256;
            var value = await audit._db.HashGetAsync(audit._store.Keys.Full(LogKeys.EntryBundle(index)), LogKeys.EntryField(index)).ConfigureAwait(false);
            if (value.IsNull) return null;
            try
            {
                var data = (byte[])value!;
                if (BatchRecord.TryParse(data, out var record))
                {
                    var batches = await audit.ReadBatchesAsync([(bundle, [new HashEntry(LogKeys.EntryField(index), value)])], []).ConfigureAwait(false);
                    data = Rebuild(index, record, batches);
                }
                else data = EntryCodec.Unpack(data);
                var json = Jcs.ParseStrict(data);
                return json is JsonObject obj && KeyEntries.TypeOf(obj) is not null ? null : LogEntry.FromJson(json);
            }
            catch (Exception ex) when (ex is InvalidDataException or AnchorException or System.Text.Json.JsonException or FormatException)
            {
                return null; // Reported where the entry was read in its window.
            }
        }
    }
}
