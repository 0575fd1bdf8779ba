namespace Anchor.Grains;

/// <summary>One per provider id: its name, keys, revocations and the hash of its read token.</summary>
public interface IProviderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the provider on <paramref name="log"/> (a registered origin) and appends a registration entry per key to
    /// that log. False when the provider already exists (nothing changes then); throws <see cref="RecordRefusedException"/>
    /// when a key's proof of possession does not verify, or the log is frozen.
    /// </summary>
    Task<bool> Register(string name, NewKey[] keys, byte[] readTokenHash, string log);

    /// <summary>
    /// Moves the provider to <paramref name="log"/> (a registered, open log): appends the registrations of its valid keys there,
    /// then sends its key events and records there. Answers the provider's log; null when the provider is unknown.
    /// </summary>
    Task<string?> MoveTo(string log);

    /// <summary>False when the provider is unknown; throws <see cref="RecordRefusedException"/> when the key id is taken or its proof of possession fails.</summary>
    Task<bool> AddKey(NewKey key);

    /// <summary>
    /// Appends a revocation entry and revokes from then on; entries before it stay valid. Answers the revocation time;
    /// null when the provider is unknown, throws <see cref="RecordRefusedException"/> (key_unknown) when the key is.
    /// </summary>
    Task<DateTimeOffset?> RevokeKey(string keyId);

    [AlwaysInterleave]
    Task<KeyLookup> GetKey(string keyId);

    /// <summary>
    /// All keys, for a silo's key cache: until the returned lease ends, every change (register, add, revoke) is told to
    /// <paramref name="observer"/> before it is acknowledged.
    /// </summary>
    [AlwaysInterleave]
    Task<ProviderKeys> Subscribe(IProviderKeysObserver observer);

    /// <summary>Name, registration time and every key with its revocation; null when the provider is unknown.</summary>
    [AlwaysInterleave]
    Task<ProviderDescription?> Describe();

    /// <summary>Replaces the read token (its SHA-256): the old one reads nothing from the moment this returns. False when the provider is unknown.</summary>
    Task<bool> RotateReadToken(byte[] readTokenHash);

    /// <summary>True when <paramref name="tokenHash"/> is the SHA-256 of this provider's read token.</summary>
    [AlwaysInterleave]
    Task<bool> CheckReadToken(byte[] tokenHash);
}
