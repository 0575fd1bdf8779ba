using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Merkle;

namespace Anchor.Core.Records;

/// <summary>The exact bytes providers sign (DESIGN A2). Each has its own prefix, so no signature can be replayed as another kind.</summary>
public static class Statements
{
    public const string SinglePrefix = "anchor-evidence:v1\n";
    public const string BatchPrefix = "anchor-batch:v1\n";
    public const string KeyPrefix = "anchor-key:v1\n";

    /// <summary>
    /// <c>anchor-key:v1\n</c> || JCS({provider, keyId, key}): what a key signs to prove its holder registered it (its proof of
    /// possession, as a CSR's signature). Its own prefix: no evidence or batch signature can be replayed as one.
    /// </summary>
    public static byte[] KeyRegistration(string provider, string keyId, Signatures.KeyDescriptor key) =>
        Jcs.Encode(KeyPrefix, new JsonObject { ["provider"] = provider, ["keyId"] = keyId, ["key"] = key.ToJson() });

    /// <summary><c>anchor-evidence:v1\n</c> || JCS({provider, keyId, evidence}).</summary>
    public static byte[] Single(string provider, string keyId, Evidence evidence) => Single(provider, keyId, evidence.Canonical());

    /// <summary>The single statement from the evidence's canonical bytes (<see cref="Evidence.Canonical"/>).</summary>
    public static byte[] Single(string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs)
    {
        var buffer = new ArrayBufferWriter<byte>(SinglePrefix.Length + evidenceJcs.Length + 128);
        Encoding.ASCII.GetBytes(SinglePrefix, buffer);
        WriteRecord(buffer, provider, keyId, evidenceJcs);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>d_i = JCS({provider, keyId, evidence}): the leaf data of record i in a provider batch.</summary>
    public static byte[] BatchLeaf(string provider, string keyId, Evidence evidence) => BatchLeaf(provider, keyId, evidence.Canonical());

    /// <summary>d_i from the evidence's canonical bytes (<see cref="Evidence.Canonical"/>).</summary>
    public static byte[] BatchLeaf(string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs)
    {
        var buffer = new ArrayBufferWriter<byte>(evidenceJcs.Length + 128);
        WriteRecord(buffer, provider, keyId, evidenceJcs);
        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? scratch;

    /// <summary>SHA-256(0x00 || d_i), the leaf hash of record i in a provider batch, written into a per-thread buffer (d_i is not kept).</summary>
    public static byte[] BatchLeafHash(string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs)
    {
        var buffer = scratch ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        WriteRecord(buffer, provider, keyId, evidenceJcs);
        return TreeHasher.HashLeaf(buffer.WrittenSpan);
    }

    /// <summary><c>anchor-batch:v1\n</c> || JCS({provider, keyId, root, size}).</summary>
    public static byte[] Batch(string provider, string keyId, string rootHex, ulong size)
    {
        var buffer = new ArrayBufferWriter<byte>(BatchPrefix.Length + 200);
        Encoding.ASCII.GetBytes(BatchPrefix, buffer);
        Jcs.WriteObject(buffer, [Jcs.Member.String("provider", provider), Jcs.Member.String("keyId", keyId), Jcs.Member.String("root", rootHex),
            Jcs.Member.String("size", JsonFields.Text(size))]);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The RFC 9162 root over the batch's d_i, and each record's leaf hash.</summary>
    public static (byte[] Root, List<byte[]> LeafHashes) BatchTree(string provider, string keyId, IReadOnlyList<Evidence> records)
    {
        var leaves = new List<byte[]>(records.Count);
        var range = new CompactRange();
        foreach (var e in records)
        {
            var leaf = BatchLeafHash(provider, keyId, e.Canonical());
            leaves.Add(leaf);
            range.Append(leaf);
        }
        return (range.Root(), leaves);
    }

    /// <summary>JCS({provider, keyId, evidence}).</summary>
    private static void WriteRecord(IBufferWriter<byte> output, string provider, string keyId, ReadOnlyMemory<byte> evidenceJcs) =>
        Jcs.WriteObject(output, [Jcs.Member.String("provider", provider), Jcs.Member.String("keyId", keyId), Jcs.Member.Raw("evidence", evidenceJcs)]);
}
