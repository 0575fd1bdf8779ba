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
    /// <summary>
    /// The leaf data of record <paramref name="index"/> written straight from bytes (no <see cref="LogEntry"/>, no hex
    /// strings): the one construction that writes it (the verifier) and that rebuilds it from storage. Equal to the JCS of the
    /// <see cref="LogEntry"/> with this batch's <see cref="BatchPath"/> (tested).
    /// </summary>
    public byte[] LeafData(ulong index, ReadOnlyMemory<byte> evidenceJcs, IReadOnlyList<byte[]> path) =>
        LogEntry.LeafData(Provider, KeyId, evidenceJcs, Sig,
            Jcs.Member.Object("batch", Jcs.Member.String("index", JsonFields.Text(index)), Jcs.Member.Hashes("path", path),
                Jcs.Member.String("root", Root), Jcs.Member.String("size", JsonFields.Text(Size))),
            ReceivedAt, KeyEntry);
}
