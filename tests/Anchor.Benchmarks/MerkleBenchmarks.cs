using System.Security.Cryptography;
using Anchor.Core.Merkle;
using BenchmarkDotNet.Attributes;

namespace Anchor.Benchmarks;

/// <summary>
/// Log math. Appending is compared with raw SHA-256 of 65-byte inputs (one interior hash), which is
/// what each append costs on average: the target is ≥ 0.7 × that rate.
/// </summary>
[MemoryDiagnoser]
public class MerkleBenchmarks
{
    private const int Batch = 4096;
    private const ulong TreeSize = 1 << 20;
    private readonly byte[] _input65 = RandomNumberGenerator.GetBytes(65);
    private readonly byte[] _digest = new byte[32];
    private readonly byte[] _entry400 = RandomNumberGenerator.GetBytes(400);
    private byte[][] _leaves = [];
    private MemoryTree _tree = new();
    private byte[] _root = [];
    private ulong[] _indices = [];
    private List<byte[]>[] _proofs = [];
    // A log of a size that is not a power of two, as a node stores it: every perfect node by its id.
    private const ulong RaggedSize = 1_175_000;
    private readonly Dictionary<NodeId, byte[]> _stored = [];
    private readonly Anchor.Core.LruCache<(ulong From, ulong Size), byte[]> _ephemeral = new(100_000);

    [GlobalSetup]
    public void Setup()
    {
        _leaves = [.. Enumerable.Range(0, Batch).Select(i => TreeHasher.HashLeaf(BitConverter.GetBytes(i)))];
        _tree = new MemoryTree();
        for (ulong i = 0; i < TreeSize; i++) _tree.AppendLeafHash(TreeHasher.HashLeaf(BitConverter.GetBytes(i)));
        _root = _tree.Root();
        var random = new Random(7);
        _indices = [.. Enumerable.Range(0, 256).Select(_ => (ulong)random.NextInt64((long)TreeSize))];
        _proofs = [.. _indices.Select(i => _tree.Inclusion(i, TreeSize))];
        var range = new CompactRange();
        for (ulong i = 0; i < RaggedSize; i++) range.Append(TreeHasher.HashLeaf(BitConverter.GetBytes(i)), (id, hash) => _stored[id] = hash);
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public void RawSha256Of65Bytes()
    {
        for (var i = 0; i < Batch; i++) SHA256.HashData(_input65, _digest);
    }

    /// <summary>The leaf hash of a typical entry (about 400 bytes of JCS), done once per sequenced record.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void HashLeafOf400Bytes()
    {
        for (var i = 0; i < Batch; i++) TreeHasher.HashLeaf(_entry400, _digest);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public byte[] AppendLeaves()
    {
        // A fresh range each time: 4096 appends from empty do 4095 interior hashes, one per leaf.
        var range = new CompactRange();
        foreach (var leaf in _leaves) range.Append(leaf);
        return range.Hashes[0];
    }

    [Benchmark(OperationsPerInvoke = 256)]
    public int InclusionProofAt1M()
    {
        var total = 0;
        foreach (var i in _indices) total += _tree.Inclusion(i, TreeSize).Count;
        return total;
    }

    /// <summary>
    /// A proof in a log of 1,175,000 entries from stored nodes, as the proof route builds it: the right border is folded
    /// into the ephemeral node (≈ popcount(size) SHA-256) for every proof ...
    /// </summary>
    [Benchmark(OperationsPerInvoke = 256)]
    public int InclusionProofAt1175000() => RaggedProofs(null);

    /// <summary>... or once per tree, with the memory of ephemeral nodes the node keeps (ProofBundles).</summary>
    [Benchmark(OperationsPerInvoke = 256)]
    public int InclusionProofAt1175000KeptEphemeral() => RaggedProofs(_ephemeral);

    private int RaggedProofs(Anchor.Core.LruCache<(ulong From, ulong Size), byte[]>? ephemeral)
    {
        var total = 0;
        foreach (var i in _indices)
        {
            var shape = ProofShape.Inclusion(i, RaggedSize);
            total += shape.Fold([.. shape.Nodes.Select(id => _stored[id])], ephemeral).Count;
        }
        return total;
    }

    [Benchmark(OperationsPerInvoke = 256)]
    public void VerifyInclusionAt1M()
    {
        for (var k = 0; k < _indices.Length; k++)
            ProofVerifier.VerifyInclusion(_indices[k], TreeSize, _tree.LeafHash(_indices[k]), _proofs[k], _root);
    }
}
