using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Verification;

/// <summary>A log built in memory from signed records, producing bundles the way the node does.</summary>
public sealed class InMemoryLog : IDisposable
{
    public const string Origin = "test.anchor/log";
    private readonly Dictionary<ulong, LogEntry> _records = [];
    private readonly Dictionary<ulong, KeyRegistration> _keyEntries = [];
    private readonly Dictionary<(string, string), ulong> _registered = [];
    private readonly MemoryTree _tree = new();

    public NoteSigner LogKey { get; } = NoteSigner.Generate(Origin);

    public static Evidence NewEvidence(string contract, byte[] document) => new(
        "sha256", Hex.Encode(System.Security.Cryptography.SHA256.HashData(document)), contract, "contract.document", null,
        Times.ToText(DateTimeOffset.UtcNow), Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    /// <summary>
    /// The leaf index of the key's registration entry, appended (with its proof of possession, as the node does) the
    /// first time the key is used.
    /// </summary>
    public ulong KeyEntry(SigningKey key, string provider, string keyId, KeyDescriptor? descriptor = null, DateTimeOffset? registeredAt = null)
    {
        if (_registered.TryGetValue((provider, keyId), out var index)) return index;
        descriptor ??= key.Descriptor; // A certified key's descriptor carries its chain.
        var pop = Convert.ToBase64String(key.Sign(Statements.KeyRegistration(provider, keyId, descriptor)));
        var registration = new KeyRegistration(provider, keyId, descriptor, pop, Times.ToText(registeredAt ?? DateTimeOffset.UtcNow.AddSeconds(-1)));
        _tree.AppendData(registration.LeafData());
        index = _tree.Size - 1;
        _keyEntries[index] = registration;
        _registered[(provider, keyId)] = index;
        return index;
    }

    /// <summary>Appends an entry as it is (a key registration or revocation the test built), returning its leaf index.</summary>
    public ulong AddRaw(byte[] leafData)
    {
        _tree.AppendData(leafData);
        return _tree.Size - 1;
    }

    public ulong AddSingle(SigningKey key, string provider, string keyId, Evidence evidence, DateTimeOffset? receivedAt = null)
    {
        var keyEntry = Text(KeyEntry(key, provider, keyId));
        var sig = Convert.ToBase64String(key.Sign(Statements.Single(provider, keyId, evidence)));
        return Add(new LogEntry(provider, keyId, evidence, sig, null, Times.ToText(receivedAt ?? DateTimeOffset.UtcNow), keyEntry));
    }

    public List<ulong> AddBatch(SigningKey key, string provider, string keyId, IReadOnlyList<Evidence> records)
    {
        var batchTree = new MemoryTree();
        foreach (var e in records) batchTree.AppendData(Statements.BatchLeaf(provider, keyId, e));
        var root = Hex.Encode(batchTree.Root());
        var keyEntry = Text(KeyEntry(key, provider, keyId));
        var size = (ulong)records.Count;
        var sig = Convert.ToBase64String(key.Sign(Statements.Batch(provider, keyId, root, size)));
        var indices = new List<ulong>();
        for (var i = 0; i < records.Count; i++)
        {
            var path = batchTree.Inclusion((ulong)i, size).Select(h => Hex.Encode(h)).ToList();
            var batch = new BatchPath(root, Text(size), Text((ulong)i), path);
            indices.Add(Add(new LogEntry(provider, keyId, records[i], sig, batch, Times.ToText(DateTimeOffset.UtcNow), keyEntry)));
        }
        return indices;
    }

    public ProofBundle Bundle(ulong index, KeyDescriptor providerKey, IReadOnlyList<ChainAnchor>? anchors = null, IReadOnlyList<TsaTimestamp>? timestamps = null)
    {
        var size = _tree.Size;
        var checkpoint = LogKey.Sign(new Checkpoint(Origin, size, _tree.Root()));
        var entry = _records[index];
        var keyIndex = ulong.Parse(entry.KeyEntry, CultureInfo.InvariantCulture);
        var keyProof = new KeyEntryProof(entry.KeyEntry, _keyEntries[keyIndex], _tree.Inclusion(keyIndex, size).Select(h => Hex.Encode(h)).ToList());
        return new ProofBundle(entry, providerKey.ToJson(), Text(index), Hex.Encode(_tree.LeafHash(index)), Text(size),
            _tree.Inclusion(index, size).Select(h => Hex.Encode(h)).ToList(), checkpoint, LogKey.VerifierKey.ToString(), keyProof, anchors ?? [],
            timestamps ?? []);
    }

    /// <summary>The receipt of one record at the current size, as the node answers it.</summary>
    public Receipt Receipt(ulong index) => new(Origin, Text(index), Hex.Encode(_tree.LeafHash(index)), Text(_tree.Size),
        [.. _tree.Inclusion(index, _tree.Size).Select(h => Hex.Encode(h))], Checkpoint());

    /// <summary>The receipt of leaves [first, first + count) at the current size, as the node answers a batch.</summary>
    public BatchReceipt BatchReceipt(ulong first, ulong count)
    {
        var (left, right) = _tree.Range(first, count, _tree.Size);
        return new BatchReceipt(Origin, Text(first), Text(count), [.. Enumerable.Range(0, (int)count).Select(i => Hex.Encode(_tree.LeafHash(first + (ulong)i)))],
            Text(_tree.Size), Checkpoint(), [.. left.Select(h => Hex.Encode(h))], [.. right.Select(h => Hex.Encode(h))]);
    }

    public LogEntry Entry(ulong index) => _records[index];

    private string Checkpoint() => LogKey.Sign(new Checkpoint(Origin, _tree.Size, _tree.Root()));

    public byte[] Root() => _tree.Root();
    public ulong Size => _tree.Size;

    private ulong Add(LogEntry entry)
    {
        _tree.AppendLeafHash(entry.LeafHash());
        _records[_tree.Size - 1] = entry;
        return _tree.Size - 1;
    }

    private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => LogKey.Dispose();
}
