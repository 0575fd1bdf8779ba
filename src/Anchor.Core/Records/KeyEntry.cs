using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Signatures;

namespace Anchor.Core.Records;

/// <summary>
/// The registration of a provider key as a log entry (DESIGN A3: key history is in the log). It fixes, in the same
/// append-only log as the records, which key the operator accepted for which provider and when, with the key's proof
/// of possession (its signature over <see cref="Statements.KeyRegistration"/>, as a CSR carries one) and its
/// certificate chain when it has one. Every evidence entry names the leaf index of its key's registration.
/// <code>{ "v": "1", "type": "key.register", "provider", "keyId", "key": { alg, publicKey | address, certificates? }, "pop", "registeredAt" }</code>
/// </summary>
public sealed record KeyRegistration(string Provider, string KeyId, KeyDescriptor Key, string Pop, string RegisteredAt)
{
    public const string Type = "key.register";

    public JsonObject ToJson() => new()
    {
        ["v"] = LogEntry.Version,
        ["type"] = Type,
        ["provider"] = Provider,
        ["keyId"] = KeyId,
        ["key"] = Key.ToJson(),
        ["pop"] = Pop,
        ["registeredAt"] = RegisteredAt,
    };

    /// <summary>The leaf data: JCS of the entry.</summary>
    public byte[] LeafData() => Jcs.Encode(ToJson());

    /// <summary>True when <see cref="Pop"/> is the key's own signature over its registration statement.</summary>
    public bool ProvesPossession(out string error)
    {
        if (!SignatureVerifier.TryCreate(Key, out var verifier, out error)) return false;
        if (!StandardBase64.TryDecode(Pop, out var sig)) { error = "pop is not standard base64"; return false; }
        if (verifier.Verify(Statements.KeyRegistration(Provider, KeyId, Key), sig)) return true;
        error = $"pop is not a {SignatureAlgs.ToWire(Key.Alg)} signature of key '{KeyId}' over its registration statement";
        return false;
    }

    public static KeyRegistration FromJson(JsonNode? node)
    {
        const string what = "key entry";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "v", "type", "provider", "keyId", "key", "pop", "registeredAt");
        KeyEntries.CheckHeader(obj, Type, what);
        if (obj["key"] is not JsonObject keyJson || !KeyDescriptor.TryFromJson(keyJson, out var key, out var error))
            throw new AnchorException(ErrorCodes.Malformed, $"{what}.key is not a key descriptor");
        JsonFields.OnlyKnown(keyJson, what + ".key", "alg", "publicKey", "address", "certificates");
        var entry = new KeyRegistration(JsonFields.Required(obj, "provider", what), JsonFields.Required(obj, "keyId", what), key,
            JsonFields.Required(obj, "pop", what), JsonFields.Required(obj, "registeredAt", what));
        if (!Times.TryParse(entry.RegisteredAt, out _)) throw new AnchorException(ErrorCodes.Malformed, $"{what}.registeredAt must be RFC 3339 UTC with milliseconds");
        return entry;
    }
}

/// <summary>
/// The revocation of a provider key as a log entry: from its index on, the sequencer accepts no record under the
/// key registered at <see cref="Registration"/>, and <c>anchor audit</c> checks that none was.
/// <code>{ "v": "1", "type": "key.revoke", "provider", "keyId", "keyEntry": "&lt;leaf index of the registration&gt;", "revokedAt" }</code>
/// </summary>
public sealed record KeyRevocation(string Provider, string KeyId, string Registration, string RevokedAt)
{
    public const string Type = "key.revoke";

    public JsonObject ToJson() => new()
    {
        ["v"] = LogEntry.Version,
        ["type"] = Type,
        ["provider"] = Provider,
        ["keyId"] = KeyId,
        ["keyEntry"] = Registration,
        ["revokedAt"] = RevokedAt,
    };

    public byte[] LeafData() => Jcs.Encode(ToJson());

    public static KeyRevocation FromJson(JsonNode? node)
    {
        const string what = "revocation entry";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "v", "type", "provider", "keyId", "keyEntry", "revokedAt");
        KeyEntries.CheckHeader(obj, Type, what);
        var entry = new KeyRevocation(JsonFields.Required(obj, "provider", what), JsonFields.Required(obj, "keyId", what),
            JsonFields.Required(obj, "keyEntry", what), JsonFields.Required(obj, "revokedAt", what));
        JsonFields.Count(entry.Registration, what + ".keyEntry");
        if (!Times.TryParse(entry.RevokedAt, out _)) throw new AnchorException(ErrorCodes.Malformed, $"{what}.revokedAt must be RFC 3339 UTC with milliseconds");
        return entry;
    }
}

/// <summary>Tells the three kinds of log entry apart: evidence (no <c>type</c>), key registration, key revocation.</summary>
public static class KeyEntries
{
    /// <summary>The entry's <c>type</c>, or null for an evidence entry (which has none).</summary>
    public static string? TypeOf(JsonObject entry) =>
        entry.TryGetPropertyValue("type", out var t) ? (t is JsonValue v && v.TryGetValue<string>(out var s) ? s : "") : null;

    internal static void CheckHeader(JsonObject obj, string type, string what)
    {
        if (JsonFields.Required(obj, "v", what) != LogEntry.Version) throw new AnchorException(ErrorCodes.Malformed, $"{what}.v is not a known version");
        if (JsonFields.Required(obj, "type", what) != type) throw new AnchorException(ErrorCodes.Malformed, $"{what}.type must be '{type}'");
    }
}
