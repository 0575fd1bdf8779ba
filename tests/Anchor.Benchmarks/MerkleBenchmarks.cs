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
    private byte[][] _leaves = [];
    private MemoryTree _tree = new();
    private byte[] _root = [];
    private ulong[] _indices = [];
    private List<byte[]>[] _proofs = [];
    private CompactRange _range = new();

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
    }

    [IterationSetup(Target = nameof(AppendLeaves))]
    public void ResetRange() => _range = new CompactRange();

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true)]
    public void RawSha256Of65Bytes()
    {
        for (var i = 0; i < Batch; i++) SHA256.HashData(_input65, _digest);
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public void AppendLeaves()
    {
        foreach (var leaf in _leaves) _range.Append(leaf);
    }

    [Benchmark(OperationsPerInvoke = 256)]
    public int InclusionProofAt1M()
    {
        var total = 0;
        foreach (var i in _indices) total += _tree.Inclusion(i, TreeSize).Count;
        return total;
    }

    [Benchmark(OperationsPerInvoke = 256)]
    public void VerifyInclusionAt1M()
    {
        for (var k = 0; k < _indices.Length; k++)
            ProofVerifier.VerifyInclusion(_indices[k], TreeSize, _tree.LeafHash(_indices[k]), _proofs[k], _root);
    }
}
