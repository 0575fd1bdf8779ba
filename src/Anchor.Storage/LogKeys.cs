using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Anchor.Core;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// The Redis key layout of one log. Every key starts with <c>anchor:{origin}:</c>; the braces are a
/// Redis Cluster hash tag, so all keys of a log live in one slot and one Lua script may touch them all.
/// </summary>
/// <remarks>
/// head                         HASH   size, root (hex), checkpoint (signed note)
/// tile/L/N                     STRING row hashes of tile N at tile level L, 32 bytes each (c2sp tlog-tiles)
/// entries/N                    HASH   i (0..255) → entry 256·N + i (private, never served), one of:
///                                       a whole entry: its leaf data, hex runs packed (EntryCodec); single records, and values written before batch/F
///                                       a batch record: 0x03, back, index in batch, batch size, its evidence packed (BatchRecord); the rest is in batch/F
/// batch/F                      STRING a provider batch whose first record written by one append is entry F: every perfect node of its tree,
///                                     level by level (FlatTree), then JCS of its shared part {provider, keyId, sig, root, size, receivedAt} (StoredBatch)
/// ix/hash/B                    HASH   evidence hash (bytes) → leaf indices (8 bytes each, big-endian); B = SHA-256(hash)[:2] hex
/// ix/contract/B                HASH   SHA-256(P \n C)[:16] → leaf indices of contract C from provider P (8 bytes each, big-endian); B = its first 2 bytes hex
/// ix/contract/SHA256(P,C)      LIST   the same as decimal strings, as logs written before November 2026 keep it (read, never written)
/// ix/nonce/B                   HASH   SHA-256(P \n nonce)[:16] → leaf index (8 bytes, big-endian); B = its first 2 bytes hex
/// checkpoints                  HASH   size → signed note, for checkpoints asked to be kept
/// checkpoints/latest           STRING the largest size in checkpoints, zero-padded to 20 digits
/// rollback                     STRING while set, no append commits: the published tree the head lacks (20-digit size, then JSON)
/// commit-probe                 STRING a counter, written only to give WAIT/WAITAOF something to count before a retry is answered or a head read is given out
/// providers                    SET    registered provider ids (their keys live in Orleans grain storage)
/// </remarks>
public sealed class LogKeys(string origin)
{
    public string Prefix { get; } = "anchor:{" + origin + "}:";

    public RedisKey Head => Prefix + "head";
    public RedisKey Checkpoints => Prefix + "checkpoints";
    public RedisKey LatestCheckpoint => Prefix + "checkpoints/latest";
    public RedisKey Rollback => Prefix + "rollback";
    public RedisKey CommitProbe => Prefix + "commit-probe";
    public RedisKey Providers => Prefix + "providers";

    public static string Tile(int level, ulong index) =>
        "tile/" + level.ToString(CultureInfo.InvariantCulture) + "/" + index.ToString(CultureInfo.InvariantCulture);

    public static string EntryBundle(ulong leafIndex) => "entries/" + (leafIndex / 256).ToString(CultureInfo.InvariantCulture);
    public static string EntryField(ulong leafIndex) => EntryFields[leafIndex % 256];

    private static readonly string[] EntryFields = [.. Enumerable.Range(0, 256).Select(i => i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>The batch whose first record in the append that wrote it is entry <paramref name="firstLeafIndex"/>.</summary>
    public static string Batch(ulong firstLeafIndex) => "batch/" + firstLeafIndex.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Indexes are bucketed: 65,536 hashes per index, each a small Redis hash that stays in Redis's compact listpack
    /// encoding, with binary fields, instead of one key per record. The bucket is taken from SHA-256 of the field, so a
    /// client choosing its hashes or nonces cannot pile them into one bucket.
    /// </summary>
    public const int BucketBytes = 2;

    /// <summary>The bucket and field of an evidence hash: field = the hash's bytes, value = 8-byte big-endian leaf indices.</summary>
    public static (string Key, byte[] Field) ByHash(string hashHex)
    {
        var hash = Hex.Decode(hashHex);
        return ("ix/hash/" + Bucket(SHA256.HashData(hash)), hash);
    }

    /// <summary>The bucket and field of a (provider, nonce): field = the first 16 bytes of SHA-256(provider \n nonce), value = 8-byte big-endian leaf index.</summary>
    public static (string Key, byte[] Field) ByNonce(string provider, string nonce)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(provider + "\n" + nonce));
        return ("ix/nonce/" + Bucket(digest), digest[..16]);
    }

    /// <summary>A leaf index as index values hold it: 8 bytes, big-endian.</summary>
    public static byte[] IndexValue(ulong leafIndex)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, leafIndex);
        return bytes;
    }

    /// <summary>The leaf indices an index value holds, in the order they were appended.</summary>
    public static List<ulong> IndexValues(byte[]? value)
    {
        var indices = new List<ulong>();
        for (var at = 0; value is not null && at + 8 <= value.Length; at += 8)
            indices.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(value.AsSpan(at, 8)));
        return indices;
    }

    private static string Bucket(ReadOnlySpan<byte> digest) => Hex.Encode(digest[..BucketBytes]);

    /// <summary>
    /// The bucket and field of a provider's contract: field = the first 16 bytes of SHA-256(provider \n contractId) (any UTF-8
    /// contract id makes one unambiguous field), value = its leaf indices, 8 bytes each, big-endian, in log order. A field in a
    /// bucket, not a key per contract: a ledger seals one contract per row, and a Redis key costs ≈ 250 bytes where a field in a
    /// bucket's listpack costs ≈ 30.
    /// </summary>
    public static (string Key, byte[] Field) ByContract(string provider, string contractId) => ByContract(ContractDigest(provider, contractId));

    /// <summary>The list that logs written before the bucketed contract index keep for a provider's contract (read only).</summary>
    public static string ContractList(string provider, string contractId) => ContractList(ContractDigest(provider, contractId));

    /// <summary>Both places of a contract's index (the bucket's field and the old layout's list), from one digest.</summary>
    internal static (string Key, byte[] Field, string List) ContractIndex(string provider, string contractId)
    {
        var digest = ContractDigest(provider, contractId);
        var (key, field) = ByContract(digest);
        return (key, field, ContractList(digest));
    }

    private static byte[] ContractDigest(string provider, string contractId) => SHA256.HashData(Encoding.UTF8.GetBytes(provider + "\n" + contractId));

    private static (string Key, byte[] Field) ByContract(byte[] digest) => ("ix/contract/" + Bucket(digest), digest[..16]);

    private static string ContractList(byte[] digest) => "ix/contract/" + Hex.Encode(digest);

    /// <summary>Revoked keys: field = the leaf index of the key's registration entry, value = that of its revocation entry.</summary>
    public const string Revocations = "revocations";

    public RedisKey Full(string suffix) => Prefix + suffix;
}
