using System.Buffers;

namespace Anchor.Storage;

/// <summary>
/// One record of a provider batch as its <c>entries/N</c> field keeps it: the marker 0x03, then three unsigned LEB128
/// numbers: Back (its leaf index minus F, the key <c>batch/F</c> of its batch), Index (its place in the batch, which
/// after a retry need not be its place in the log) and Size (the batch's N, which locates the nodes of its path),
/// then its evidence as JCS packed by <see cref="EntryCodec"/>. Everything else of its entry is in the batch
/// (<see cref="StoredBatch"/>). 0x03 is none of EntryCodec's markers and never starts JCS text, so whole entries,
/// packed or written before packing, still read as they always did.
/// </summary>
public readonly record struct BatchRecord(ulong Back, ulong Index, ulong Size, byte[] PackedEvidence)
{
    public const byte Marker = 0x03;

    public static byte[] Encode(ulong back, ulong index, ulong size, ReadOnlySpan<byte> evidenceJson)
    {
        var output = new ArrayBufferWriter<byte>(evidenceJson.Length + 16);
        output.Write([Marker]);
        WriteNumber(output, back);
        WriteNumber(output, index);
        WriteNumber(output, size);
        output.Write(EntryCodec.Pack(evidenceJson));
        return output.WrittenSpan.ToArray();
    }

    /// <summary>False for a whole entry; throws <see cref="InvalidDataException"/> for a batch record that does not parse.</summary>
    public static bool TryParse(byte[] stored, out BatchRecord record)
    {
        record = default;
        if (stored.Length == 0 || stored[0] != Marker) return false;
        var at = 1;
        var back = ReadNumber(stored, ref at);
        var index = ReadNumber(stored, ref at);
        var size = ReadNumber(stored, ref at);
        if (index >= size) throw new InvalidDataException($"a batch record names index {index} of a batch of {size}: storage is inconsistent");
        record = new BatchRecord(back, index, size, stored[at..]);
        return true;
    }

    /// <summary>The evidence JCS bytes.</summary>
    public byte[] Evidence() => EntryCodec.Unpack(PackedEvidence);

    private static void WriteNumber(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var n = 0;
        // Seven bits a byte, lowest first; the high bit says another byte follows.
        for (; value >= 0x80; value >>= 7) span[n++] = (byte)(value | 0x80);
        span[n++] = (byte)value;
        output.Advance(n);
    }

    private static ulong ReadNumber(byte[] stored, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= stored.Length) throw new InvalidDataException("a batch record is truncated: storage is inconsistent");
            var b = stored[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("a batch record holds a number longer than 64 bits: storage is inconsistent");
    }
}
