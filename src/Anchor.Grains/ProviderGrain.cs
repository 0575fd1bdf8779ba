using System.Security.Cryptography;

namespace Anchor.Grains;

/// <summary>A provider's registration, as written to grain storage.</summary>
[GenerateSerializer]
public sealed class ProviderState
{
    [Id(0)] public string? Name { get; set; }
    [Id(1)] public Dictionary<string, ProviderKeyState> Keys { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public byte[]? ReadTokenHash { get; set; }
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }
}

/// <summary>Holds one provider's keys and revocations; every change is written before it is acknowledged.</summary>
public sealed class ProviderGrain(
    [PersistentState("provider", ProviderGrain.StorageName)] IPersistentState<ProviderState> state,
    TimeProvider time) : Grain, IProviderGrain
{
    public const string StorageName = "providers";

    private bool Known => state.State.Name is not null;

    public async Task<bool> Register(string name, Dictionary<string, string> keyDescriptors, byte[] readTokenHash)
    {
        if (Known) return false;
        var now = time.GetUtcNow();
        state.State = new ProviderState
        {
            Name = name,
            Keys = keyDescriptors.ToDictionary(k => k.Key, k => new ProviderKeyState(k.Value, now, null), StringComparer.Ordinal),
            ReadTokenHash = readTokenHash,
            RegisteredAt = now,
        };
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> AddKey(string keyId, string descriptorJson)
    {
        if (!Known) return false;
        // A key id names one key forever: entries signed under it must keep one meaning.
        if (state.State.Keys.ContainsKey(keyId))
            throw new RecordRefusedException("key_exists", $"provider {this.GetPrimaryKeyString()} already has a key '{keyId}'");
        state.State.Keys[keyId] = new ProviderKeyState(descriptorJson, time.GetUtcNow(), null);
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool?> RevokeKey(string keyId, DateTimeOffset at)
    {
        if (!Known) return null;
        if (!state.State.Keys.TryGetValue(keyId, out var key)) return false;
        if (key.RevokedAt is not null) return true; // The first revocation stands; later ones change nothing.
        state.State.Keys[keyId] = key with { RevokedAt = at };
        await state.WriteStateAsync();
        return true;
    }

    public Task<KeyLookup> GetKey(string keyId) =>
        Task.FromResult(new KeyLookup(Known, Known && state.State.Keys.TryGetValue(keyId, out var key) ? key : null));

    public Task<ProviderDescription?> Describe() =>
        Task.FromResult(Known ? new ProviderDescription(state.State.Name!, state.State.RegisteredAt, new(state.State.Keys, StringComparer.Ordinal)) : null);

    public Task<bool> CheckReadToken(byte[] tokenHash) =>
        Task.FromResult(Known && state.State.ReadTokenHash is { } stored && CryptographicOperations.FixedTimeEquals(stored, tokenHash));
}
