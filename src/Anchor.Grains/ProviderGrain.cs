using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Storage;

namespace Anchor.Grains;

/// <summary>A provider's registration, as written to grain storage.</summary>
[GenerateSerializer]
public sealed class ProviderState
{
    [Id(0)] public string? Name { get; set; }
    [Id(1)] public Dictionary<string, ProviderKeyState> Keys { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public byte[]? ReadTokenHash { get; set; }
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>The log its key events and records go to; null (state written before logs were many): the default log.</summary>
    [Id(4)] public string? Log { get; set; }
}

/// <summary>
/// Holds one provider's keys and revocations. Every key registration and revocation is first appended to the log as an
/// entry (<see cref="KeyRegistration"/>, <see cref="KeyRevocation"/>), then written to grain state, then told to every
/// silo's key cache that holds a lease (<see cref="ProviderKeyCache"/>), and only then acknowledged.
/// A provider belongs to one log of the cluster: its key events and records go to that log's sequencer, and each key
/// state names the log its registration entry is in. Moving to another log appends the registrations of its valid keys
/// there first (bundles prove a record's key from the record's own log), then switches the state in one write.
/// </summary>
public sealed class ProviderGrain(
    [PersistentState("provider", ProviderGrain.StorageName)] IPersistentState<ProviderState> state,
    TimeProvider time, LogSet logs) : Grain, IProviderGrain
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

    public async Task<bool> Register(string name, NewKey[] keys, byte[] readTokenHash, string log)
    {
        if (Known) return false;
        var now = time.GetUtcNow();
        var provider = this.GetPrimaryKeyString();
        // In the log first: a key the log does not show registered signs nothing a court could check.
        var indices = await SequencerOf(log).AppendKeyEvents([.. keys.Select(k => new KeyEvent(Registration(provider, k, now).LeafData(), null))]);
        state.State = new ProviderState
        {
            Name = name,
            Keys = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k.KeyId,
                x => new ProviderKeyState(x.k.DescriptorJson, now, null, indices[x.i], x.k.CertifiedFrom, x.k.CertifiedUntil, log), StringComparer.Ordinal),
            ReadTokenHash = readTokenHash,
            RegisteredAt = now,
            Log = log,
        };
        await state.WriteStateAsync();
        await TellCachesAsync();
        return true;
    }

    public async Task<bool> AddKey(NewKey key)
    {
        if (!Known) return false;
        // A key id names one key forever: entries signed under it must keep one meaning.
        if (state.State.Keys.ContainsKey(key.KeyId))
            throw new RecordRefusedException("key_exists", $"provider {this.GetPrimaryKeyString()} already has a key '{key.KeyId}'");
        var now = time.GetUtcNow();
        var indices = await SequencerOf(Log).AppendKeyEvents([new KeyEvent(Registration(this.GetPrimaryKeyString(), key, now).LeafData(), null)]);
        state.State.Keys[key.KeyId] = new ProviderKeyState(key.DescriptorJson, now, null, indices[0], key.CertifiedFrom, key.CertifiedUntil, Log);
        await state.WriteStateAsync();
        await TellCachesAsync();
        return true;
    }

    public async Task<DateTimeOffset?> RevokeKey(string keyId)
    {
        if (!Known) return null;
        if (!state.State.Keys.TryGetValue(keyId, out var key))
            throw new RecordRefusedException(ErrorCodes.KeyUnknown, $"provider '{this.GetPrimaryKeyString()}' has no key '{keyId}'");
        if (key.RevokedAt is { } revoked) return revoked; // The first revocation stands; later ones change nothing.
        var at = time.GetUtcNow();
        // The sequencer refuses records under the key from the revocation entry on, whatever a cache still holds.
        var revocation = new KeyRevocation(this.GetPrimaryKeyString(), keyId, key.KeyEntry.ToString(System.Globalization.CultureInfo.InvariantCulture), Times.ToText(at));
        // In the log of its registration, which the revocation names by index.
        await SequencerOf(key.Log ?? logs.DefaultOrigin).AppendKeyEvents([new KeyEvent(revocation.LeafData(), key.KeyEntry)]);
        state.State.Keys[keyId] = key with { RevokedAt = at };
        await state.WriteStateAsync();
        // Revocation holds from the moment the caller is answered: no silo may still hold the key valid then.
        await TellCachesAsync();
        return at;
    }

    /// <summary>The provider's log.</summary>
    private string Log => state.State.Log ?? logs.DefaultOrigin;

    private ISequencerGrain SequencerOf(string log) => GrainFactory.GetGrain<ISequencerGrain>(log);

    public async Task<string?> MoveTo(string log)
    {
        if (!Known) return null;
        var from = Log;
        if (log == from) return from;
        var provider = this.GetPrimaryKeyString();
        var now = time.GetUtcNow();
        // Each valid key's registration again, in the new log, with its proof of possession read from the old one (the pop
        // signs provider, key id and key, not a log): records there name entries of that log. Revoked keys stay behind.
        var source = logs.Store(from);
        var head = await source.ReadHeadAsync();
        var moving = state.State.Keys.Where(k => k.Value.RevokedAt is null).OrderBy(k => k.Key, StringComparer.Ordinal).ToList();
        var events = new List<KeyEvent>();
        foreach (var (keyId, key) in moving)
        {
            var stored = await source.ReadLeafAsync(key.KeyEntry, head)
                ?? throw new InvalidOperationException($"key '{keyId}' names entry {key.KeyEntry} of log '{from}', which it does not hold");
            var old = KeyRegistration.FromJson(Anchor.Core.Json.Jcs.ParseStrict(stored.Data));
            events.Add(new KeyEvent(new KeyRegistration(provider, keyId, old.Key, old.Pop, Times.ToText(now)).LeafData(), null));
        }
        var indices = await SequencerOf(log).AppendKeyEvents([.. events]);
        for (var i = 0; i < moving.Count; i++) state.State.Keys[moving[i].Key] = moving[i].Value with { KeyEntry = indices[i], Log = log };
        state.State.Log = log;
        await state.WriteStateAsync();
        // Records verified under the old state still go to the old log, which is frozen (or was left): they are refused there,
        // and their retries find the new state.
        await TellCachesAsync();
        return log;
    }

    /// <summary>The key's registration entry; refuses a key whose proof of possession does not verify.</summary>
    private static KeyRegistration Registration(string provider, NewKey key, DateTimeOffset at)
    {
        if (JsonNode.Parse(key.DescriptorJson) is not JsonObject json || !KeyDescriptor.TryFromJson(json, out var descriptor, out var error))
            throw new RecordRefusedException(ErrorCodes.Malformed, $"key '{key.KeyId}' is not a key descriptor");
        var registration = new KeyRegistration(provider, key.KeyId, descriptor, key.Pop, Times.ToText(at));
        if (!registration.ProvesPossession(out error)) throw new RecordRefusedException(ErrorCodes.PopInvalid, $"key '{key.KeyId}': {error}");
        return registration;
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
        Task.FromResult(Known ? new ProviderDescription(state.State.Name!, state.State.RegisteredAt, new(state.State.Keys, StringComparer.Ordinal), Log) : null);

    public Task<bool> CheckReadToken(byte[] tokenHash) =>
        Task.FromResult(Known && state.State.ReadTokenHash is { } stored && CryptographicOperations.FixedTimeEquals(stored, tokenHash));
}
