using System.Buffers;

namespace Anchor.Storage;

/// <summary>
/// How leaf data is kept in Redis: the exact JCS bytes, with every run of 16 or more lowercase hex digits (hashes,
/// nonces, batch roots and paths) stored as its bytes. Decoding gives back the identical bytes, so the leaf hash
/// is unchanged. A packed value starts with 0x00; bytes that hold the markers themselves (never JCS text) are kept
/// behind 0x02; any other value is read as it is, which is how values written before this encoding are read.
/// A stored entry starting with 0x03 is not a whole entry but a record of a provider batch (<see cref="BatchRecord"/>).
/// </summary>
public static class EntryCodec
{
    private const byte Packed = 0x00;
    private const byte HexRun = 0x01; // Never in JCS text: control characters are escaped there.
    private const byte Raw = 0x02;
    private const int MinRun = 16;
    private const int MaxRunBytes = 255;

    public static byte[] Pack(ReadOnlySpan<byte> json)
    {
        if (json.IndexOfAny(Packed, HexRun, Raw) >= 0) return [Raw, .. json]; // Not JCS text: keep it as it is.
        var output = new ArrayBufferWriter<byte>(json.Length + 1);
        output.Write([Packed]);
        var i = 0;
        while (i < json.Length)
        {
            var run = HexRunLength(json[i..]);
            if (run < MinRun)
            {
                var literal = Math.Max(run, 1);
                output.Write(json.Slice(i, literal));
                i += literal;
                continue;
            }
            var bytes = Math.Min(run / 2, MaxRunBytes);
            var span = output.GetSpan(2 + bytes);
            span[0] = HexRun;
            span[1] = (byte)bytes;
            Convert.FromHexString(json.Slice(i, bytes * 2), span.Slice(2, bytes), out _, out _);
            output.Advance(2 + bytes);
            i += bytes * 2;
        }
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Unpack(byte[] stored)
    {
        if (stored.Length > 0 && stored[0] == Raw) return stored[1..];
        if (stored.Length == 0 || stored[0] != Packed) return stored;
        var output = new ArrayBufferWriter<byte>(stored.Length * 3 / 2);
        var i = 1;
        while (i < stored.Length)
        {
            var next = stored.AsSpan(i).IndexOf(HexRun);
            var literal = next < 0 ? stored.Length - i : next;
            output.Write(stored.AsSpan(i, literal));
            i += literal;
            if (i >= stored.Length) break;
            if (i + 1 >= stored.Length || i + 2 + stored[i + 1] > stored.Length)
                throw new InvalidDataException("a packed entry is truncated: storage is inconsistent");
            int bytes = stored[i + 1];
            var span = output.GetSpan(bytes * 2);
            Convert.TryToHexStringLower(stored.AsSpan(i + 2, bytes), span, out var written);
            output.Advance(written);
            i += 2 + bytes;
        }
        return output.WrittenSpan.ToArray();
    }

    private static int HexRunLength(ReadOnlySpan<byte> text)
    {
        var n = text.IndexOfAnyExcept("0123456789abcdef"u8);
        return n < 0 ? text.Length : n;
    }
}
