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
/// entries/N                    HASH   i (0..255) → leaf data of entry 256·N + i  (private, never served)
/// ix/hash/HEX                  LIST   leaf indices whose evidence hash is HEX
/// ix/contract/SHA256(P,C)      LIST   leaf indices of contract C from provider P
/// ix/nonce/P                   HASH   nonce → "index:digest" (retries and nonce conflicts)
/// checkpoints                  HASH   size → signed note, for checkpoints asked to be kept
/// providers                    SET    registered provider ids (their keys live in Orleans grain storage)
/// </remarks>
public sealed class LogKeys(string origin)
{
    public string Prefix { get; } = "anchor:{" + origin + "}:";

    public RedisKey Head => Prefix + "head";
    public RedisKey Checkpoints => Prefix + "checkpoints";
    public RedisKey Providers => Prefix + "providers";

    public static string Tile(int level, ulong index) =>
        "tile/" + level.ToString(CultureInfo.InvariantCulture) + "/" + index.ToString(CultureInfo.InvariantCulture);

    public static string EntryBundle(ulong leafIndex) => "entries/" + (leafIndex / 256).ToString(CultureInfo.InvariantCulture);
    public static string EntryField(ulong leafIndex) => (leafIndex % 256).ToString(CultureInfo.InvariantCulture);

    public static string ByHash(string hashHex) => "ix/hash/" + hashHex;

    /// <summary>Hashed so that any UTF-8 contract id and provider id make one unambiguous key.</summary>
    public static string ByContract(string provider, string contractId)
    {
        var bytes = Encoding.UTF8.GetBytes(provider + "\n" + contractId);
        return "ix/contract/" + Hex.Encode(SHA256.HashData(bytes));
    }

    public static string Nonces(string provider) => "ix/nonce/" + provider;

    public RedisKey Full(string suffix) => Prefix + suffix;
}
