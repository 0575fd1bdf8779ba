using Anchor.Core.Records;
using BenchmarkDotNet.Attributes;

namespace Anchor.Benchmarks;

/// <summary>Canonical encoding of a log entry: the node does this for every record it sequences.</summary>
[MemoryDiagnoser]
public class JcsBenchmarks
{
    private readonly LogEntry _entry = new("acme-contracts", "k1",
        new Evidence("sha256", new string('a', 64), "合同-2026-001", "contract.signature", null, "2026-11-26T11:00:00.000Z", "0123456789abcdef0123456789abcdef"),
        Convert.ToBase64String(new byte[64]), null, "2026-11-26T11:00:01.250Z", "0");

    [Benchmark]
    public byte[] EntryLeafHash() => _entry.LeafHash();

    [Benchmark]
    public byte[] SingleStatement() => Statements.Single(_entry.Provider, _entry.KeyId, _entry.Evidence);
}
