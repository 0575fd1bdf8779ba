using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core.Json;

namespace Anchor.Core.Records;

/// <summary>
/// A sealed row of a ledger (docs/formats.md, ledger rows): the evidence hash of a row is
/// HMAC-SHA256(salt key, JCS({column: value, …})) over the columns the provider chose, so that a changed balance, a
/// deleted row or an inserted one shows when the rows are recomputed, while the log, which never sees the salt key,
/// learns nothing of their contents (no dictionary attack on a few likely amounts).
/// </summary>
public static class LedgerRow
{
    public const string HashAlg = "hmac-sha256";
    public const string Kind = "ledger.row";
    public const int SaltKeySize = 32;

    /// <summary>The seal of one row: the chosen columns by name, JCS-encoded (member order is the name order, not the file's).</summary>
    public static byte[] Seal(ReadOnlySpan<byte> saltKey, IReadOnlyList<(string Column, string Value)> fields)
    {
        if (saltKey.Length < SaltKeySize) throw new ArgumentException($"a salt key has at least {SaltKeySize} bytes");
        var row = new JsonObject();
        foreach (var (column, value) in fields)
            if (!row.TryAdd(column, value)) throw new ArgumentException($"column '{column}' is chosen twice");
        return HMACSHA256.HashData(saltKey, Jcs.Encode(row));
    }

    /// <summary>
    /// A short public name of a salt key (SHA-256 of "anchor-salt-key:v1\n" ‖ key, 8 bytes hex): written beside the seals so
    /// that reconciling with another key is refused, without saying anything usable about the key.
    /// </summary>
    public static string KeyName(ReadOnlySpan<byte> saltKey) =>
        Hex.Encode(SHA256.HashData([.. "anchor-salt-key:v1\n"u8, .. saltKey]).AsSpan(0, 8));
}
