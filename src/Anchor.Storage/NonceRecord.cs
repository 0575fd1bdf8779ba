namespace Anchor.Storage;

/// <summary>
/// What the nonce index remembers of a record: where it went. Whether a retry says the same is decided against the
/// entry stored there, which also proves the hint right (same provider, same nonce).
/// </summary>
public readonly record struct NonceRecord(ulong LeafIndex)
{
    public static NonceRecord? Parse(byte[]? value) =>
        value is { Length: 8 } ? new NonceRecord(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(value)) : null;
}
