using Anchor.Core.Json;
using Anchor.Core.Merkle;

namespace Anchor.Core.Records;

/// <summary>
/// What the records of one provider batch share in the log (DESIGN A2): who signed, the one signature, the batch root
/// and size it covers, when the node received it, and the registration entry of the key. A record adds its evidence,
/// its index and its path.
/// </summary>
public sealed record ProviderBatch(string Provider, string KeyId, string Sig, string Root, ulong Size, string ReceivedAt, string KeyEntry)
{
    /// <summary>The log entry of record <paramref name="index"/>: the one construction that writes it and that rebuilds it from storage.</summary>
    public LogEntry Entry(ulong index, Evidence evidence, IReadOnlyList<byte[]> path)
    {
        var hexPath = new string[path.Count];
        for (var i = 0; i < path.Count; i++)
        {
            if (path[i].Length != TreeHasher.HashSize) throw new ArgumentException("path hashes must be 32 bytes");
            hexPath[i] = Hex.Encode(path[i]);
        }
        return new LogEntry(Provider, KeyId, evidence, Sig,
            new BatchPath(Root, JsonFields.Text(Size), JsonFields.Text(index), hexPath), ReceivedAt, KeyEntry);
    }

    /// <summary>
    /// The leaf data of record <paramref name="index"/> written straight from bytes (no <see cref="LogEntry"/>, no hex
    /// strings), as the sequencer writes it and storage rebuilds it: equal to <c>Entry(index, evidence, path).LeafData()</c> (tested).
    /// </summary>
    public byte[] LeafData(ulong index, ReadOnlyMemory<byte> evidenceJcs, IReadOnlyList<byte[]> path) =>
        LogEntry.LeafData(Provider, KeyId, evidenceJcs, Sig,
            Jcs.Member.Object("batch", Jcs.Member.String("index", JsonFields.Text(index)), Jcs.Member.Hashes("path", path),
                Jcs.Member.String("root", Root), Jcs.Member.String("size", JsonFields.Text(Size))),
            ReceivedAt, KeyEntry);
}
