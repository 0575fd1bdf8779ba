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
    private readonly List<LogEntry> _entries = [];
    private readonly MemoryTree _tree = new();

    public NoteSigner LogKey { get; } = NoteSigner.Generate(Origin);

    public static Evidence NewEvidence(string contract, byte[] document) => new(
        "sha256", Hex.Encode(System.Security.Cryptography.SHA256.HashData(document)), contract, "contract.document", null,
        Times.ToText(DateTimeOffset.UtcNow), Hex.Encode(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public ulong AddSingle(SigningKey key, string provider, string keyId, Evidence evidence)
    {
        var sig = Convert.ToBase64String(key.Sign(Statements.Single(provider, keyId, evidence)));
        return Add(new LogEntry(provider, keyId, evidence, sig, null, Times.ToText(DateTimeOffset.UtcNow)));
    }

    public List<ulong> AddBatch(SigningKey key, string provider, string keyId, IReadOnlyList<Evidence> records)
    {
        var batchTree = new MemoryTree();
        foreach (var e in records) batchTree.AppendData(Statements.BatchLeaf(provider, keyId, e));
        var root = Hex.Encode(batchTree.Root());
        var size = (ulong)records.Count;
        var sig = Convert.ToBase64String(key.Sign(Statements.Batch(provider, keyId, root, size)));
        var indices = new List<ulong>();
        for (var i = 0; i < records.Count; i++)
        {
            var path = batchTree.Inclusion((ulong)i, size).Select(h => Hex.Encode(h)).ToList();
            var batch = new BatchPath(root, Text(size), Text((ulong)i), path);
            indices.Add(Add(new LogEntry(provider, keyId, records[i], sig, batch, Times.ToText(DateTimeOffset.UtcNow))));
        }
        return indices;
    }

    public ProofBundle Bundle(ulong index, KeyDescriptor providerKey, IReadOnlyList<ChainAnchor>? anchors = null, IReadOnlyList<TsaTimestamp>? timestamps = null)
    {
        var size = _tree.Size;
        var checkpoint = LogKey.Sign(new Checkpoint(Origin, size, _tree.Root()));
        return new ProofBundle(_entries[(int)index], providerKey.ToJson(), Text(index), Hex.Encode(_tree.LeafHash(index)), Text(size),
            _tree.Inclusion(index, size).Select(h => Hex.Encode(h)).ToList(), checkpoint, LogKey.VerifierKey.ToString(), anchors ?? [],
            timestamps ?? []);
    }

    public byte[] Root() => _tree.Root();
    public ulong Size => _tree.Size;

    private ulong Add(LogEntry entry)
    {
        _entries.Add(entry);
        _tree.AppendLeafHash(entry.LeafHash());
        return _tree.Size - 1;
    }

    private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => LogKey.Dispose();
}
