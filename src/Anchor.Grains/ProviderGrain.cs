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

/// <summary>
/// Holds one provider's keys and revocations; every change is written, then told to every silo's key cache that holds
/// a lease (<see cref="ProviderKeyCache"/>), and only then acknowledged.
/// </summary>
public sealed class ProviderGrain(
    [PersistentState("provider", ProviderGrain.StorageName)] IPersistentState<ProviderState> state,
    TimeProvider time) : Grain, IProviderGrain
{
    public const string StorageName = "providers";

    /// <summary>How long a silo may use the keys without asking again: the longest a change can wait for an unreachable cache.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(10);

    private readonly Dictionary<IProviderKeysObserver, DateTimeOffset> _leases = [];
    // Leases granted by an earlier activation (deactivated, or on a silo that crashed) are unknown here: until this
    // time has passed, a change waits until it has. (Deactivation does not end them: a silo shutting down may no longer reach its caches.)
    private DateTimeOffset _unknownLeasesEnd;

    private bool Known => state.State.Name is not null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Known) _unknownLeasesEnd = time.GetUtcNow() + Lease;
        return base.OnActivateAsync(cancellationToken);
    }

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
        await TellCachesAsync();
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
        await TellCachesAsync();
        return true;
    }

    public async Task<bool?> RevokeKey(string keyId, DateTimeOffset at)
    {
        if (!Known) return null;
        if (!state.State.Keys.TryGetValue(keyId, out var key)) return false;
        if (key.RevokedAt is not null) return true; // The first revocation stands; later ones change nothing.
        state.State.Keys[keyId] = key with { RevokedAt = at };
        await state.WriteStateAsync();
        // Revocation holds from the moment the caller is answered: no silo may still hold the key valid then.
        await TellCachesAsync();
        return true;
    }

    public async Task<bool> RotateReadToken(byte[] readTokenHash)
    {
        if (!Known) return false;
        // The hash is read only by CheckReadToken, never cached by a silo: the next check sees the new one.
        var previous = state.State.ReadTokenHash;
        state.State.ReadTokenHash = readTokenHash;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not stored, and the caller never sees the new token: the old one keeps reading.
            state.State.ReadTokenHash = previous;
            throw;
        }
        return true;
    }

    public Task<KeyLookup> GetKey(string keyId) =>
        Task.FromResult(new KeyLookup(Known, Known && state.State.Keys.TryGetValue(keyId, out var key) ? key : null));

    public Task<ProviderKeys> Subscribe(IProviderKeysObserver observer)
    {
        _leases[observer] = time.GetUtcNow() + Lease;
        // A copy: the message is immutable (not copied by Orleans) and the state changes later.
        return Task.FromResult(new ProviderKeys(Known, new(state.State.Keys, StringComparer.Ordinal), Lease));
    }

    /// <summary>
    /// Tells every cache holding a lease that the keys changed and waits for each; one that does not answer is waited
    /// out until its lease ends. Caches subscribe again on their next lookup and get the new state.
    /// </summary>
    private async Task TellCachesAsync()
    {
        var provider = this.GetPrimaryKeyString();
        var now = time.GetUtcNow();
        var leases = _leases.Where(l => l.Value > now).ToList();
        _leases.Clear();
        await Task.WhenAll(leases.Select(async lease =>
        {
            try
            {
                await lease.Key.Changed(provider).WaitAsync(lease.Value - now, time);
            }
            catch (Exception)
            {
                var rest = lease.Value - time.GetUtcNow();
                if (rest > TimeSpan.Zero) await Task.Delay(rest, time);
            }
        }));
        var unknown = _unknownLeasesEnd - time.GetUtcNow();
        if (unknown > TimeSpan.Zero) await Task.Delay(unknown, time);
    }

    public Task<ProviderDescription?> Describe() =>
        Task.FromResult(Known ? new ProviderDescription(state.State.Name!, state.State.RegisteredAt, new(state.State.Keys, StringComparer.Ordinal)) : null);

    public Task<bool> CheckReadToken(byte[] tokenHash) =>
        Task.FromResult(Known && state.State.ReadTokenHash is { } stored && CryptographicOperations.FixedTimeEquals(stored, tokenHash));
}
