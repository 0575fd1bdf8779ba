using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Json;
using Anchor.Core.Merkle;
using Anchor.Core.Records;

namespace Anchor.Storage;

/// <summary>
/// A provider batch as Redis keeps it, once (key <c>batch/F</c>, F the leaf index of the batch's first record in the
/// append that wrote it): its <see cref="FlatTree"/> (2N − popcount(N) hashes), then the JCS of
/// <c>{v, provider, keyId, sig, root, size, receivedAt}</c>. Both offsets follow from N. A committed batch never
/// changes, so the node reads each whole once and keeps it (<see cref="LogStore"/>).
/// </summary>
public sealed class StoredBatch
{
    private const string Version = "1";

    public StoredBatch(ProviderBatch shared, byte[] tree)
    {
        if ((ulong)tree.Length != FlatTree.HashCount(shared.Size) * TreeHasher.HashSize)
            throw new ArgumentException($"a batch of {shared.Size} has a tree of {FlatTree.HashCount(shared.Size)} hashes, got {tree.Length} bytes");
        Shared = shared;
        Tree = tree;
    }

    public ProviderBatch Shared { get; }
    public byte[] Tree { get; }
    public ulong Size => Shared.Size;

    /// <summary>The path of record <paramref name="index"/>, from the tree in memory.</summary>
    public List<byte[]> Inclusion(ulong index) => FlatTree.Inclusion(Tree, Size, index);

    public byte[] Encode() => [.. Tree, .. Jcs.Encode(new JsonObject
    {
        ["v"] = Version,
        ["provider"] = Shared.Provider,
        ["keyId"] = Shared.KeyId,
        ["sig"] = Shared.Sig,
        ["root"] = Shared.Root,
        ["size"] = Shared.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["receivedAt"] = Shared.ReceivedAt,
        ["keyEntry"] = Shared.KeyEntry,
    })];

    /// <summary>Byte offset of the shared part in the value of a batch of <paramref name="size"/>.</summary>
    public static long HeaderOffset(ulong size) => checked((long)FlatTree.HashCount(size) * TreeHasher.HashSize);

    /// <summary>Byte offset of <paramref name="node"/> in the value of a batch of <paramref name="size"/>.</summary>
    public static long NodeOffset(ulong size, NodeId node) => checked((long)FlatTree.Offset(size, node) * TreeHasher.HashSize);

    /// <summary>A whole stored value, for a batch of <paramref name="size"/> (what its records say).</summary>
    public static StoredBatch Decode(byte[] value, ulong size, string what)
    {
        var at = HeaderOffset(size);
        if (value.LongLength <= at) throw new InvalidDataException($"{what} holds {value.Length} bytes, less than the tree of a batch of {size}: storage is inconsistent");
        return new StoredBatch(DecodeShared(value.AsSpan((int)at), size, what), value[..(int)at]);
    }

    /// <summary>The shared part; <paramref name="size"/> is what the record says, and the batch must agree.</summary>
    public static ProviderBatch DecodeShared(ReadOnlySpan<byte> header, ulong size, string what)
    {
        try
        {
            var obj = Jcs.ParseStrict(header) as JsonObject ?? throw new InvalidDataException($"{what} has no shared part: storage is inconsistent");
            string Get(string name) => obj[name]?.GetValue<string>() ?? throw new InvalidDataException($"{what} lacks '{name}': storage is inconsistent");
            if (Get("v") != Version) throw new InvalidDataException($"{what} is of unknown version '{Get("v")}'");
            var shared = new ProviderBatch(Get("provider"), Get("keyId"), Get("sig"), Get("root"),
                ulong.Parse(Get("size"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture), Get("receivedAt"), Get("keyEntry"));
            if (shared.Size != size) throw new InvalidDataException($"{what} is a batch of {shared.Size}, its record says {size}: storage is inconsistent");
            return shared;
        }
        catch (Exception ex) when (ex is JsonException or AnchorException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException($"{what} does not parse ({ex.Message}): storage is inconsistent", ex);
        }
    }

    /// <summary>The leaf data of <paramref name="record"/>, rebuilt from its stored evidence bytes and its path in this batch, as the verifier wrote it (<see cref="ProviderBatch.LeafData"/>).</summary>
    public byte[] LeafData(BatchRecord record) => Shared.LeafData(record.Index, record.Evidence(), Inclusion(record.Index));
}
