using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Orleans.Concurrency;

namespace Anchor.Grains;

/// <summary>
/// Checks provider signatures. Stateless workers: Orleans runs several activations on every silo, so
/// signature checks (RSA, SM2 and secp256k1 recovery cost up to a millisecond) spread over all cores.
/// Keys and revocations come from the silo's <see cref="ProviderKeyCache"/>, which the provider grain tells of every
/// change before acknowledging it; the parsed public key is cached by descriptor.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class RecordVerifierGrain(TimeProvider time, ProviderKeyCache keys) : Grain, IRecordVerifierGrain
{
    private const int MaxCachedKeys = 10_000;
    // Parsing a key (an RSA modulus, an SM2 point) costs more than one verification: keep it by descriptor.
    private static readonly LruCache<string, SignatureVerifier> Verifiers = new(MaxCachedKeys, StringComparer.Ordinal);

    public async Task<VerifiedRecord> VerifySingle(string provider, string keyId, CanonicalEvidence evidence, string sig)
    {
        try { return await CheckSingle(provider, keyId, evidence, sig); }
        catch (AnchorException ex) { throw new RecordRefusedException(ex.Code, ex.Detail); }
    }

    public async Task<VerifiedRecord[]> VerifyBatch(string provider, string keyId, Immutable<CanonicalEvidence[]> records, string root, string sig)
    {
        try { return await CheckBatch(provider, keyId, records.Value, root, sig); }
        catch (AnchorException ex) { throw new RecordRefusedException(ex.Code, ex.Detail); }
    }

    private async Task<VerifiedRecord> CheckSingle(string provider, string keyId, CanonicalEvidence evidence, string sig)
    {
        var (verifier, keyEntry, log) = await KeyFor(provider, keyId);
        var statement = Statements.Single(provider, keyId, evidence.Jcs);
        var signature = Signature(sig);
        if (!verifier.Verify(statement, signature)) throw NotVerified(provider, keyId, verifier, signature.Length);
        // The statement is the prefix then d_i: the content digest is d_i's leaf hash.
        return VerifiedRecord.Single(provider, keyId, evidence, sig, keyEntry, Times.ToText(time.GetUtcNow()),
            TreeHasher.HashLeaf(statement.AsSpan(Statements.SinglePrefix.Length)), log);
    }

    private async Task<VerifiedRecord[]> CheckBatch(string provider, string keyId, CanonicalEvidence[] evidence, string root, string sig)
    {
        var (verifier, keyEntry, log) = await KeyFor(provider, keyId);
        var leafHashes = new byte[evidence.Length * TreeHasher.HashSize];
        for (var i = 0; i < evidence.Length; i++) Statements.BatchLeafHash(provider, keyId, evidence[i].Jcs).CopyTo(leafHashes, i * TreeHasher.HashSize);
        // The whole tree once: its root is checked here, its paths go into the entries, and the sequencer stores it as it is.
        var tree = FlatTree.Build(leafHashes);
        var computed = Hex.Encode(FlatTree.Root(tree, (ulong)evidence.Length));
        // A root that is not the records' root means the signature does not cover these records.
        if (!string.Equals(computed, root, StringComparison.Ordinal))
            throw new RecordRefusedException(ErrorCodes.SignatureInvalid, $"root {Short(root)} is not the RFC 9162 root of the records ({computed})");
        var size = (ulong)evidence.Length;
        var signature = Signature(sig);
        if (!verifier.Verify(Statements.Batch(provider, keyId, root, size), signature)) throw NotVerified(provider, keyId, verifier, signature.Length);

        return VerifiedRecord.OfBatch(provider, keyId, evidence, sig, root, keyEntry, Times.ToText(time.GetUtcNow()), tree, log);
    }

    /// <summary>
    /// The key's verifier, the leaf index of its registration entry, which the record's entry will name, and the log that
    /// entry is in (null: the default log): the record goes to that log, whose bundles prove the key from the same tree.
    /// </summary>
    private async Task<(SignatureVerifier Verifier, ulong KeyEntry, string? Log)> KeyFor(string provider, string keyId)
    {
        var lookup = await keys.GetAsync(provider, keyId);
        if (!lookup.ProviderKnown) throw new RecordRefusedException(ErrorCodes.ProviderUnknown, $"no provider '{Short(provider)}' is registered");
        if (lookup.Key is not { } key) throw new RecordRefusedException(ErrorCodes.KeyUnknown, $"provider '{provider}' has no key '{Short(keyId)}'");
        var now = time.GetUtcNow();
        if (!key.ValidAt(now))
            throw new RecordRefusedException(ErrorCodes.KeyRevoked, $"key '{keyId}' of provider '{provider}' was revoked at {Times.ToText(key.RevokedAt!.Value)}");
        if (!key.CertifiedAt(now))
            throw new RecordRefusedException(ErrorCodes.CertificateExpired,
                $"the certificate chain of key '{keyId}' of provider '{provider}' is valid from {Times.ToText(key.CertifiedFrom!.Value)} to {Times.ToText(key.CertifiedUntil!.Value)}, not now");
        if (Verifiers.TryGet(key.DescriptorJson, out var cached)) return (cached, key.KeyEntry, key.Log);
        var error = "not a JSON object";
        if (JsonNode.Parse(key.DescriptorJson) is not JsonObject json || !KeyDescriptor.TryFromJson(json, out var descriptor, out error)
            || !SignatureVerifier.TryCreate(descriptor, out var verifier, out error))
            throw new InvalidOperationException($"stored key '{keyId}' of provider '{provider}' no longer parses: {error}");
        Verifiers.Set(key.DescriptorJson, verifier);
        return (verifier, key.KeyEntry, key.Log);
    }

    /// <summary>
    /// signature_invalid, naming the registered key's algorithm; when the signature's length is impossible for that
    /// algorithm the record was signed with a key of another one (a wrong key file is the usual cause), and the detail says so.
    /// </summary>
    private static RecordRefusedException NotVerified(string provider, string keyId, SignatureVerifier verifier, int length)
    {
        var alg = SignatureAlgs.ToWire(verifier.Alg);
        var detail = verifier.LengthMismatch(length) is { } want
            ? $"sig is {length} bytes, but key '{keyId}' of provider '{provider}' is a registered {alg} key, whose signatures are {want}: " +
              "the record was signed with a key of another algorithm (check --key and --key-id)"
            : $"sig does not verify under key '{keyId}' of provider '{provider}' (a registered {alg} key)";
        return new RecordRefusedException(ErrorCodes.SignatureInvalid, detail);
    }

    /// <summary>The signature's bytes; only the canonical spelling is taken, since the entry stores <c>sig</c> as sent.</summary>
    private static byte[] Signature(string sig) => StandardBase64.TryDecode(sig, out var bytes)
        ? bytes
        : throw new RecordRefusedException(ErrorCodes.Malformed, "sig must be canonical standard base64 (padded, no whitespace, zero padding bits)");

    private static string Short(string s) => s.Length <= 80 ? s : s[..80] + "…";
}
