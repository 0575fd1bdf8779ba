using System.Globalization;
using Anchor.Core.Checkpoints;
using Anchor.Core.Identity;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Timestamping;

namespace Anchor.Core.Verification;

/// <summary>What the verifier is given besides the bundle.</summary>
public sealed record VerifyOptions
{
    /// <summary>The document itself, when the verifier holds it; its digest must equal the evidence hash.</summary>
    public Stream? File { get; init; }

    /// <summary>
    /// What the verifier trusts, chosen by the verifier (DESIGN A7): log keys, registries and operators, CA roots.
    /// Without it no verdict says VALID.
    /// </summary>
    public TrustFile? Trust { get; init; }

    /// <summary>Explore a bundle without a trust root: its own log key and registry are used, and the verdict says UNTRUSTED.</summary>
    public bool AllowUntrusted { get; init; }

    /// <summary>Chain lookups by chain ID; an anchor on a chain without one is reported as not checked.</summary>
    public IReadOnlyDictionary<string, IAnchorLookup> Chains { get; init; } = new Dictionary<string, IAnchorLookup>();

    public int MinConfirmations { get; init; } = 1;

    /// <summary>
    /// How far the node's clock may run ahead of a TSA's: an entry's receivedAt must not be later than the token's
    /// genTime plus its stated accuracy plus this. One second absorbs TSAs that state genTime to the second only.
    /// </summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The one offline verifier of <c>anchor-proof/v1</c> bundles, shared by the CLI, the node's tests and
/// anyone embedding Anchor.Core. Each check is independent and reported with the values compared,
/// so a failure names exactly what is wrong.
/// </summary>
public static class BundleVerifier
{
    public static async Task<VerificationReport> VerifyAsync(ProofBundle bundle, VerifyOptions options, CancellationToken cancellationToken = default)
    {
        var checks = new List<Check>();
        var entry = bundle.Entry;

        // 1. The document, when given.
        if (options.File is not null)
        {
            try
            {
                var digest = Hex.Encode(EvidenceDigest.Compute(entry.Evidence.HashAlg, options.File));
                checks.Add(digest == entry.Evidence.Hash
                    ? Check.Pass("file digest", $"{entry.Evidence.HashAlg}(file) = {digest}")
                    : Check.Fail("file digest", $"{entry.Evidence.HashAlg}(file) = {digest}, evidence.hash = {entry.Evidence.Hash}"));
            }
            catch (AnchorException e) { checks.Add(Check.Fail("file digest", e.Message)); } // A keyed digest (ledger rows).
        }

        // 2. The provider's key, as its registration entry in the log states it, and the provider's signature under it
        // (and, for a batch record, its path to the signed batch root).
        checks.Add(KeyRegistrationCheck(bundle));
        checks.Add(ProviderIdentity(bundle, options));
        checks.Add(ProviderSignature(bundle));
        if (entry.Batch is not null) checks.Add(BatchPathCheck(entry));

        // 3. The leaf hash.
        var leafHash = entry.LeafHash();
        var leafHex = Hex.Encode(leafHash);
        checks.Add(leafHex == bundle.LeafHash
            ? Check.Pass("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}")
            : Check.Fail("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}, bundle.leafHash = {bundle.LeafHash}"));

        // 4. Inclusion of the leaf in the tree of treeSize.
        var (inclusionCheck, root, size) = Inclusion("inclusion proof", bundle.LeafIndex, bundle.TreeSize, bundle.Inclusion, leafHash);
        checks.Add(inclusionCheck);
        checks.Add(KeyEntryInclusion(bundle, root, size));

        // 5. The checkpoint signature under a key the verifier trusts, and 6. that it names the same tree.
        var trust = LogTrust.Resolve(bundle.Checkpoint, bundle.LogKey, options);
        var (signatureCheck, checkpoint, signedBy) = CheckpointSignature(bundle.Checkpoint, bundle.LogKey, trust);
        checks.Add(signatureCheck);
        checks.Add(SignedTreeMatch(signatureCheck, checkpoint, root, size, "checkpoint matches proof"));

        // 7. The tree the anchors and time-stamps seal: this log's own, or the root log's that includes this checkpoint.
        var seal = bundle.Root is { } step
            ? RootStepChecks(bundle, step, trust, options, checks)
            : new SealedTree(bundle.Checkpoint, trust, signedBy, root, size, "checkpoint");

        // 8. Every anchor: on a registry the verifier trusts for the sealed log, in agreement with the sealed tree, then on the chain itself.
        foreach (var anchor in bundle.Anchors)
        {
            var label = $"anchor chain {anchor.ChainId}";
            checks.Add(AnchorAgreement(anchor, seal.Root, seal.Size, label));
            var (registryCheck, expected) = AnchorRegistry(anchor, seal.Trust, seal.SignedBy, label);
            checks.Add(registryCheck);
            if (expected is null)
            {
                if (registryCheck.Status == CheckStatus.Pass)
                    checks.Add(Check.NotChecked($"{label} on chain", $"no trusted log key verified the checkpoint, so there is no key commitment to look up: transaction {anchor.TxHash} not checked"));
                continue;
            }
            if (options.Chains.TryGetValue(anchor.ChainId, out var lookup))
            {
                try { checks.AddRange(await lookup.CheckAsync(anchor, expected, options.MinConfirmations, cancellationToken)); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    checks.Add(Check.Fail($"{label} lookup", e.Message));
                }
            }
            else checks.Add(Check.NotChecked($"{label} on chain", $"no RPC for chain {anchor.ChainId}: transaction {anchor.TxHash} in block {anchor.BlockNumber} not checked"));
        }

        // 9. Every TSA time-stamp: over the sealed checkpoint, signed by a TSA, chaining to a root the verifier trusts,
        // and not earlier than the node claims to have received the entry.
        var stamps = bundle.Timestamps.Select(t => TimestampChecks(bundle, t, options, seal, checks)).ToList();

        var outcome = Outcome(checks, trust, seal.Trust);
        var earliest = EarliestTrustedTime(bundle, checks, stamps);
        return new VerificationReport(checks, outcome, Verdict(bundle, checks, outcome, trust, seal, earliest), Summary(bundle, checks, trust, seal, stamps, earliest));
    }

    /// <summary>
    /// The checkpoint that the anchors and time-stamps seal, its log's trust, the trusted key that signed it, and the
    /// tree it names as the proofs folded it (null root: a proof did not fold). <see cref="What"/> names it in reports.
    /// </summary>
    private sealed record SealedTree(string Checkpoint, LogTrust Trust, string? SignedBy, byte[]? Root, ulong Size, string What);

    /// <summary>
    /// The root step: the bundle's (member) checkpoint body is a leaf of the root log, included in the tree its signed
    /// checkpoint names, under a key the verifier trusts for the root log's origin. Returns that root tree, which the
    /// anchors and time-stamps then must name.
    /// </summary>
    private static SealedTree RootStepChecks(ProofBundle bundle, RootStep step, LogTrust memberTrust, VerifyOptions options, List<Check> checks)
    {
        var rootTrust = LogTrust.Resolve(step.Checkpoint, step.LogKey, options);
        checks.Add(RootLogCheck(bundle, step, memberTrust));
        byte[]? leaf = null;
        try
        {
            leaf = RootStep.LeafHash(bundle.Checkpoint);
            checks.Add(Check.Pass("root leaf", $"SHA-256(0x00 || member checkpoint body) = {Hex.Encode(leaf)}"));
        }
        catch (NoteError e) { checks.Add(Check.Fail("root leaf", $"the member checkpoint is not a signed note: {e.Message}")); }
        var (inclusionCheck, root, size) = leaf is null
            ? (Check.Fail("root inclusion", "no leaf to fold"), null, 0)
            : Inclusion("root inclusion", step.LeafIndex, step.TreeSize, step.Inclusion, leaf);
        checks.Add(inclusionCheck);
        var (signatureCheck, checkpoint, signedBy) = CheckpointSignature(step.Checkpoint, step.LogKey, rootTrust, "root checkpoint signature");
        checks.Add(signatureCheck);
        checks.Add(SignedTreeMatch(signatureCheck, checkpoint, root, size, "root checkpoint matches proof"));
        return new SealedTree(step.Checkpoint, rootTrust, signedBy, root, size, "root checkpoint");
    }

    /// <summary>
    /// The root log is another log than the member, and, when the trust file names the root log that seals the member
    /// (<see cref="TrustedLog.SealedBy"/>), that one: a root log the verifier trusts for other members seals nothing here.
    /// </summary>
    private static Check RootLogCheck(ProofBundle bundle, RootStep step, LogTrust memberTrust)
    {
        const string name = "root log";
        var member = LogTrust.OriginOf(bundle.Checkpoint);
        var rootOrigin = LogTrust.OriginOf(step.Checkpoint);
        if (rootOrigin == member) return Check.Fail(name, $"the root step names the member log '{member}' itself");
        if (memberTrust.Log is not { } log) return Check.NotChecked(name, $"no trusted member log '{member}' to name its root log");
        if (log.SealedBy is null)
            return Check.Info(name, $"'{member}' sealed by root log '{rootOrigin}'; the trust file names no sealedBy for '{member}', so any root log it lists may seal it");
        return log.SealedBy == rootOrigin
            ? Check.Pass(name, $"'{member}' sealed by root log '{rootOrigin}', as the trust file's sealedBy names")
            : Check.Fail(name, $"the trust file says '{member}' is sealed by '{log.SealedBy}', the bundle's root step is of '{rootOrigin}'");
    }

    /// <summary>
    /// The roots one checkpoint is checked against: the trusted log of its origin, or, when the verifier allowed it,
    /// the key the proof names itself (and no pinned registry), or nothing.
    /// </summary>
    internal sealed record LogTrust(TrustedLog? Log, string? Fingerprint, bool Untrusted, string? Missing)
    {
        public static LogTrust Resolve(string checkpoint, string? ownKey, VerifyOptions options)
        {
            var origin = OriginOf(checkpoint);
            if (options.Trust is { } trust)
            {
                if (trust.Log(origin) is { } log) return new LogTrust(log, trust.Fingerprint(), false, null);
                if (!options.AllowUntrusted)
                    return new LogTrust(null, trust.Fingerprint(), false, $"the trust file lists no log '{origin}'");
            }
            else if (!options.AllowUntrusted) return new LogTrust(null, null, false, "no trusted log key (pass --trust or --log-key)");
            // Trust on first use, for exploration only: never a VALID verdict.
            return ownKey is not null && VerifierKey.TryParse(ownKey, out var key, out _) && key!.Name == origin
                ? new LogTrust(new TrustedLog(origin, [ownKey], []), null, true, null)
                : new LogTrust(null, null, true, ownKey is null ? "--allow-untrusted needs a log key in the input, and a receipt names none" : "the bundle's own logKey is not a verifier key of its origin");
        }

        /// <summary>The checkpoint's first line, read without trusting anything else in it.</summary>
        internal static string OriginOf(string note)
        {
            var newline = note.IndexOf('\n', StringComparison.Ordinal);
            return newline > 0 ? note[..newline] : note;
        }
    }

    /// <summary>
    /// The key that signed is the one its registration entry in this log names: the same provider and key ID, registered
    /// (with a valid proof of possession) before the record, and the bundle's providerKey is that key.
    /// </summary>
    private static Check KeyRegistrationCheck(ProofBundle bundle)
    {
        const string name = "key registration";
        var entry = bundle.Entry;
        var key = bundle.KeyEntry;
        var registration = key.Entry;
        if (entry.KeyEntry != key.LeafIndex)
            return Check.Fail(name, $"the entry names key entry {entry.KeyEntry}, the bundle carries entry {key.LeafIndex}");
        if (registration.Provider != entry.Provider || registration.KeyId != entry.KeyId)
            return Check.Fail(name, $"entry {key.LeafIndex} registers {registration.Provider}/{registration.KeyId}, the record is signed by {entry.Provider}/{entry.KeyId}");
        if (!TryCount(key.LeafIndex, out var keyIndex) || !TryCount(bundle.LeafIndex, out var index) || keyIndex >= index)
            return Check.Fail(name, $"key entry {key.LeafIndex} is not before the record's entry {bundle.LeafIndex}");
        if (string.CompareOrdinal(registration.RegisteredAt, entry.ReceivedAt) > 0)
            return Check.Fail(name, $"the key was registered at {registration.RegisteredAt}, after the record was received at {entry.ReceivedAt}");
        if (!registration.ProvesPossession(out var error)) return Check.Fail(name, error);
        if (!KeyDescriptor.TryFromJson(bundle.ProviderKey, out var stated, out _) || !stated.Equals(registration.Key))
            return Check.Fail(name, $"the bundle's providerKey is not the key registered in entry {key.LeafIndex}");
        return Check.Pass(name, $"{SignatureAlgs.ToWire(registration.Key.Alg)} key {entry.Provider}/{entry.KeyId} registered at {registration.RegisteredAt} in entry {key.LeafIndex}, before entry {bundle.LeafIndex}; its proof of possession verifies");
    }

    /// <summary>
    /// Who the provider is, on whose authority: a certificate chain to a CA the verifier trusts, at the record's time;
    /// without one, the identity rests on the operator's word, which the report says.
    /// </summary>
    private static Check ProviderIdentity(ProofBundle bundle, VerifyOptions options)
    {
        const string name = "provider identity";
        var registration = bundle.KeyEntry.Entry;
        if (registration.Key.Certificates is not { Count: > 0 })
            return Check.Info(name, $"key not certified (registered by the operator at {registration.RegisteredAt})");
        if (options.Trust is null)
            return Check.NotChecked(name, "the key carries a certificate chain, but no trust file names the CAs to check it against");
        CertificateTrust roots;
        try { roots = CertificateTrust.FromPem(options.Trust.ProviderRoots); }
        catch (AnchorException e) { return Check.Fail(name, $"the trust file's providerRoots: {e.Message}"); }
        // Valid when the key was registered and when the record was received: a chain that expired (or was revoked)
        // after the record keeps it valid, one that had expired before does not.
        if (!Times.TryParse(bundle.Entry.ReceivedAt, out var received) || !Times.TryParse(registration.RegisteredAt, out var registered))
            return Check.Fail(name, "receivedAt or registeredAt is not a time");
        var atRecord = CertificateValidator.Validate(registration.Key, roots, received);
        var atRegistration = CertificateValidator.Validate(registration.Key, roots, registered);
        foreach (var (result, when) in new[] { (atRegistration, $"registration ({registration.RegisteredAt})"), (atRecord, $"the record ({bundle.Entry.ReceivedAt})") })
            if (!result.Valid) return Check.Fail(name, $"{result.Code} at {when}: {result.Detail}");
        var revocation = atRecord.RevocationChecked ? "revocation checked against the trust file's CRLs" : "no CRL in the trust file: revocation not checked";
        return Check.Pass(name, $"{atRecord.Leaf!.Describe()}; chain to trusted root {atRecord.Root!.Subject} (SHA-256 {atRecord.Root.Fingerprint}) valid at registration and at the record's time; {revocation}");
    }

    /// <summary>The key's registration entry is in the same tree as the record: its inclusion proof folds to the same root.</summary>
    private static Check KeyEntryInclusion(ProofBundle bundle, byte[]? root, ulong size)
    {
        const string name = "key registration inclusion";
        if (root is null) return Check.Fail(name, "no root from the record's inclusion proof to compare with");
        var proof = new List<byte[]>();
        foreach (var h in bundle.KeyEntry.Inclusion)
        {
            if (!Hex.TryDecodeCanonical(h, 32, out var bytes)) return Check.Fail(name, $"inclusion hash '{h}' is not 32 bytes of lowercase hex");
            proof.Add(bytes);
        }
        try
        {
            var index = ulong.Parse(bundle.KeyEntry.LeafIndex, CultureInfo.InvariantCulture);
            var keyRoot = ProofVerifier.RootFromInclusion(index, size, TreeHasher.HashLeaf(bundle.KeyEntry.Entry.LeafData()), proof);
            return keyRoot.AsSpan().SequenceEqual(root)
                ? Check.Pass(name, $"key entry {index} of {size} folds to the same root {Hex.Encode(root)}")
                : Check.Fail(name, $"key entry {index} folds to {Hex.Encode(keyRoot)}, the record to {Hex.Encode(root)}");
        }
        catch (Exception e) when (e is ProofError or FormatException or OverflowException)
        {
            return Check.Fail(name, $"key entry {bundle.KeyEntry.LeafIndex} of {size}: {e.Message}");
        }
    }

    private static Check ProviderSignature(ProofBundle bundle)
    {
        const string name = "provider signature";
        var entry = bundle.Entry;
        // The key as the log registered it, never a key the bundle states on its own.
        var descriptor = bundle.KeyEntry.Entry.Key;
        if (!SignatureVerifier.TryCreate(descriptor, out var verifier, out var error))
            return Check.Fail(name, $"the registered key is not usable: {error}");
        byte[] sig;
        try { sig = Convert.FromBase64String(entry.Sig); }
        catch (FormatException) { return Check.Fail(name, "entry.sig is not base64"); }
        byte[] statement;
        try { statement = entry.SignedStatement(); }
        catch (AnchorException e) { return Check.Fail(name, e.Message); }
        var what = entry.Batch is null ? "the evidence statement" : $"the batch statement (root {entry.Batch.Root}, size {entry.Batch.Size})";
        return verifier.Verify(statement, sig)
            ? Check.Pass(name, $"{SignatureAlgs.ToWire(descriptor.Alg)} signature of {entry.Provider}/{entry.KeyId} over {what}")
            : Check.Fail(name, $"{SignatureAlgs.ToWire(descriptor.Alg)} signature of {entry.Provider}/{entry.KeyId} does not verify over {what}");
    }

    private static Check BatchPathCheck(LogEntry entry)
    {
        const string name = "batch path";
        var batch = entry.Batch!;
        try
        {
            var leaf = TreeHasher.HashLeaf(Statements.BatchLeaf(entry.Provider, entry.KeyId, entry.Evidence));
            var path = batch.Path.Select(p => Hex.Decode(p)).ToList();
            ProofVerifier.VerifyInclusion(ulong.Parse(batch.Index, CultureInfo.InvariantCulture), ulong.Parse(batch.Size, CultureInfo.InvariantCulture),
                leaf, path, Hex.Decode(batch.Root));
            return Check.Pass(name, $"record {batch.Index} of {batch.Size} is in batch root {batch.Root}");
        }
        catch (Exception e) when (e is ProofError or FormatException or OverflowException)
        {
            return Check.Fail(name, $"record {batch.Index} of {batch.Size}: {e.Message}");
        }
    }

    private static (Check, byte[]? Root, ulong Size) Inclusion(string name, string leafIndex, string treeSize, IReadOnlyList<string> inclusion, byte[] leafHash)
    {
        if (!TryCount(leafIndex, out var index) || !TryCount(treeSize, out var size))
            return (Check.Fail(name, $"leafIndex '{leafIndex}' or treeSize '{treeSize}' is not a decimal count"), null, 0);
        var proof = new List<byte[]>();
        foreach (var h in inclusion)
        {
            if (!Hex.TryDecodeCanonical(h, 32, out var bytes)) return (Check.Fail(name, $"inclusion hash '{h}' is not 32 bytes of lowercase hex"), null, size);
            proof.Add(bytes);
        }
        try
        {
            var root = ProofVerifier.RootFromInclusion(index, size, leafHash, proof);
            return (Check.Pass(name, $"leaf {index} of {size} folds to root {Hex.Encode(root)} ({proof.Count} hashes)"), root, size);
        }
        catch (ProofError e)
        {
            return (Check.Fail(name, $"leaf {index} of {size}: {e.Message}"), null, size);
        }
    }

    internal static (Check, Checkpoint?, string? SignedBy) CheckpointSignature(string note, string? ownKey, LogTrust trust, string name = "checkpoint signature")
    {
        if (trust.Log is not { } log) return (Check.NotChecked(name, trust.Missing!), null, null);
        var errors = new List<string>();
        foreach (var keyText in log.Keys)
        {
            if (!VerifierKey.TryParse(keyText, out var key, out var error)) { errors.Add(error); continue; }
            try
            {
                var checkpoint = Checkpoint.Verify(note, key!);
                // SignedBy is the key's canonical text (lowercase key ID): what registration commits to, however the trust file spells it.
                if (trust.Untrusted)
                    return (Check.Pass(name, $"signed by {key}: THE BUNDLE'S OWN KEY, not a trusted root; compare it with the key the log operator publishes"), checkpoint, key!.ToString());
                var other = ownKey is not null && keyText != ownKey ? $" (the bundle names another key: {ownKey})" : "";
                return (Check.Pass(name, $"signed by trusted key {key}{other}"), checkpoint, key!.ToString());
            }
            catch (NoteError e) { errors.Add($"{e.Message} (key {keyText})"); }
        }
        return (Check.Fail(name, $"not signed by any trusted key of '{log.Origin}': {string.Join("; ", errors)}"), null, null);
    }

    /// <summary>The signed checkpoint names the tree the proof folded to; not checked when no trusted key could verify it.</summary>
    private static Check SignedTreeMatch(Check signature, Checkpoint? checkpoint, byte[]? root, ulong size, string name) =>
        signature.Status == CheckStatus.NotChecked
            ? Check.NotChecked(name, "no checkpoint verified under a trusted key to compare with")
            : CheckpointMatch(checkpoint, root, size, name);

    internal static Check CheckpointMatch(Checkpoint? checkpoint, byte[]? root, ulong size, string name = "checkpoint matches proof")
    {
        if (checkpoint is null || root is null) return Check.Fail(name, "no verified checkpoint or no root from the proof to compare");
        var cpRoot = Hex.Encode(checkpoint.Root);
        var proofRoot = Hex.Encode(root);
        return checkpoint.Size == size && cpRoot == proofRoot
            ? Check.Pass(name, $"size {size}, root {proofRoot}")
            : Check.Fail(name, $"checkpoint size {checkpoint.Size} root {cpRoot}; proof size {size} root {proofRoot}");
    }

    private static Check AnchorAgreement(ChainAnchor anchor, byte[]? root, ulong size, string label)
    {
        var name = $"{label} names this tree";
        var rootHex = root is null ? "(none)" : Hex.Encode(root);
        if (!TryCount(anchor.TreeSize, out var anchorSize) || anchorSize != size)
            return Check.Fail(name, $"anchor treeSize {anchor.TreeSize}, proof treeSize {size}");
        return anchor.RootHex == rootHex
            ? Check.Pass(name, $"size {size}, root {rootHex}")
            : Check.Fail(name, $"anchor root {anchor.Root}, proof root {rootHex}");
    }

    /// <summary>
    /// The anchor must be on a registry the trust file lists for its chain, under the listed log ID; the lookup then
    /// checks the chain against those values, never against the bundle's. Untrusted exploration takes the bundle's.
    /// The listing is checked even when no trusted key verified the checkpoint (a forged bundle says where it fails);
    /// the chain is looked up only with the verified key, whose commitment the registry must hold.
    /// </summary>
    private static (Check, AnchorExpectation?) AnchorRegistry(ChainAnchor anchor, LogTrust trust, string? signedBy, string label)
    {
        var name = $"{label} registry";
        if (trust.Log is not { } log || (trust.Untrusted && signedBy is null))
            return (Check.NotChecked(name, $"registry {anchor.Registry} not checked: no trusted log key verified the checkpoint"), null);
        if (trust.Untrusted)
            return (Check.NotChecked(name, $"registry {anchor.Registry} and logId {anchor.LogId} are the bundle's own, not a trusted root"),
                new AnchorExpectation(new TrustedChain(anchor.ChainId, anchor.Registry.ToLowerInvariant(), "", anchor.LogId.ToLowerInvariant()), RegistryLog.KeyCommitment(signedBy!)));
        var listed = log.Chains.Where(c => c.ChainId == anchor.ChainId).ToList();
        if (listed.Count == 0)
            return (Check.Fail(name, $"the trust file lists no registry on chain {anchor.ChainId} for '{log.Origin}': the anchor's registry {anchor.Registry} is not trusted"), null);
        var chain = listed.FirstOrDefault(c => string.Equals(c.Registry, anchor.Registry, StringComparison.OrdinalIgnoreCase));
        if (chain is null)
            return (Check.Fail(name, $"registry {anchor.Registry} is not a trusted registry of chain {anchor.ChainId} (trusted: {string.Join(", ", listed.Select(c => c.Registry))})"), null);
        if (!string.Equals(chain.LogId, anchor.LogId, StringComparison.OrdinalIgnoreCase))
            return (Check.Fail(name, $"logId {anchor.LogId} is not the trusted log ID {chain.LogId} in registry {chain.Registry}"), null);
        var listedCheck = Check.Pass(name, $"registry {chain.Registry}, logId {chain.LogId}, operator {chain.Operator}, as the trust file lists");
        return signedBy is null ? (listedCheck, null) : (listedCheck, new AnchorExpectation(chain, RegistryLog.KeyCommitment(signedBy)));
    }

    /// <summary>What one TSA time-stamp established: its token when it parsed, and whether every check of it passed against trusted roots.</summary>
    private sealed record StampResult(TsaTimestamp Stamp, TsaToken? Token, string? Root, bool Trusted);

    /// <summary>The time the entry existed by at the latest, and who vouches for it: a trusted TSA or a chain checked on chain.</summary>
    private sealed record TrustedTime(DateTimeOffset Time, string Source);

    private static StampResult TimestampChecks(ProofBundle bundle, TsaTimestamp stamp, VerifyOptions options, SealedTree seal, List<Check> checks)
    {
        var label = $"tsa {stamp.Tsa}";
        TsaToken token;
        try
        {
            token = TsaToken.Read(Convert.FromBase64String(stamp.Token));
            checks.Add(Check.Pass($"{label} token", $"RFC 3161 token: {token.Describe()}"));
        }
        catch (Exception e) when (e is FormatException or TsaException)
        {
            checks.Add(Check.Fail($"{label} token", e is FormatException ? "token is not base64" : e.Message));
            return new StampResult(stamp, null, null, false);
        }
        var first = checks.Count;
        checks.Add(TimestampImprint(seal, stamp, token, label));
        checks.Add(Attempt($"{label} signature", () =>
        {
            token.CheckSignature();
            return $"{token.SignatureKind} signature by {token.Signer.Subject}, {token.CertIdKind} and the critical timeStamping EKU verify";
        }));
        string? root = null;
        if (seal.Trust.Log is null || seal.Trust.Untrusted || options.Trust is null)
            checks.Add(Check.NotChecked($"{label} trusted root", $"{token.Signer.Subject} not checked against a TSA root: no trust file"));
        else
            checks.Add(Attempt($"{label} trusted root", () =>
            {
                root = token.CheckChain([.. options.Trust.TsaRoots.Select(r => CertificatePem.Decode(r, "tsaRoots"))]);
                return $"{token.Signer.Subject} chains at genTime to the trust file's TSA root {root}";
            }));
        checks.Add(NodeClock(bundle.Entry, token, options.ClockTolerance, label));
        return new StampResult(stamp, token, root, root is not null && checks.Skip(first).All(c => c.Status == CheckStatus.Pass));
    }

    private static Check TimestampImprint(SealedTree seal, TsaTimestamp stamp, TsaToken token, string label) => Attempt($"{label} imprint", () =>
    {
        byte[] digest;
        try { digest = TsaHashAlg.CheckpointImprint(stamp.HashAlg, seal.Checkpoint); }
        catch (Exception e) when (e is NoteError or AnchorException) { throw new TsaException(TsaFailure.Imprint, e.Message, e); }
        token.CheckImprint(stamp.HashAlg, digest);
        return $"the token time-stamps {stamp.HashAlg}({seal.What} body) = {Hex.Encode(digest)}";
    });

    /// <summary>
    /// The node sequenced the entry before any TSA stamped its tree, so receivedAt must not be later than the TSA's
    /// latest time. A node clock running ahead of the TSA fails this: the node's own times cannot be relied on.
    /// </summary>
    private static Check NodeClock(LogEntry entry, TsaToken token, TimeSpan tolerance, string label)
    {
        var name = $"{label} node clock";
        if (!Times.TryParse(entry.ReceivedAt, out var received)) return Check.Fail(name, $"receivedAt '{entry.ReceivedAt}' is not an RFC 3339 UTC time");
        var limit = token.Latest + tolerance;
        var compared = $"receivedAt {entry.ReceivedAt}, genTime {TsaToken.Utc(token.GenTime)} + accuracy {token.AccuracyText} + tolerance {tolerance.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s";
        return received <= limit
            ? Check.Pass(name, compared)
            : Check.Fail(name, $"{compared}: the node's clock ran {(received - token.GenTime).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s ahead of the TSA, so the node's own times cannot be relied on");
    }

    private static Check Attempt(string name, Func<string> check)
    {
        try { return Check.Pass(name, check()); }
        catch (TsaException e) { return Check.Fail(name, e.Message); }
        catch (AnchorException e) { return Check.Fail(name, e.Message); }
    }

    /// <summary>The earliest of the times the verifier can rely on: trusted TSA tokens (genTime + accuracy) and anchors checked on chain.</summary>
    private static TrustedTime? EarliestTrustedTime(ProofBundle bundle, List<Check> checks, List<StampResult> stamps)
    {
        var times = stamps.Where(s => s.Trusted).Select(s => new TrustedTime(s.Token!.Latest, $"TSA {s.Stamp.Tsa}, genTime {TsaToken.Utc(s.Token.GenTime)} + accuracy {s.Token.AccuracyText}"))
            .ToList();
        foreach (var a in bundle.Anchors)
            if (checks.Any(c => c.Status == CheckStatus.Pass && c.Name == $"anchor chain {a.ChainId} block time") && Times.TryParse(a.BlockTime, out var blockTime))
                times.Add(new TrustedTime(blockTime, $"chain {a.ChainId}, block {a.BlockNumber}"));
        return times.MinBy(t => t.Time);
    }

    /// <summary>Valid only when every log the verdict rests on (the entry's, and the root log that seals it) is trusted.</summary>
    internal static VerificationOutcome Outcome(List<Check> checks, LogTrust trust, LogTrust? sealing = null)
    {
        if (checks.Any(c => c.Status == CheckStatus.Fail)) return VerificationOutcome.Invalid;
        if (trust.Log is null || sealing is { Log: null }) return VerificationOutcome.Unverified;
        return trust.Untrusted || sealing is { Untrusted: true } ? VerificationOutcome.Untrusted : VerificationOutcome.Valid;
    }

    private static string Verdict(ProofBundle bundle, List<Check> checks, VerificationOutcome outcome, LogTrust trust, SealedTree seal, TrustedTime? earliest)
    {
        var failed = checks.Where(c => c.Status == CheckStatus.Fail).ToList();
        if (outcome == VerificationOutcome.Invalid) return $"INVALID: {failed.Count} check(s) failed: {string.Join("; ", failed.Select(c => c.Name))}";
        if (outcome == VerificationOutcome.Unverified) return $"UNVERIFIED: {(trust.Log is null ? trust : seal.Trust).Missing}";
        var signed = $"entry {bundle.LeafIndex} ({bundle.Entry.Evidence.HashAlg} {bundle.Entry.Evidence.Hash}) was signed by {bundle.Entry.Provider}";
        var proven = bundle.Root is { } step
            ? $"{signed} and is in the tree of size {bundle.TreeSize} of log '{LogTrust.OriginOf(bundle.Checkpoint)}', included in root log '{LogTrust.OriginOf(step.Checkpoint)}' at leaf {step.LeafIndex} of {step.TreeSize} (anchored and time-stamped there)"
            : $"{signed} and is in the log's tree of size {bundle.TreeSize}";
        var keys = bundle.Root is null ? "the trusted log key" : "the trusted keys of both logs";
        if (outcome == VerificationOutcome.Untrusted)
            return $"UNTRUSTED: the bundle agrees with itself, but its log key and registry are its own, so nothing was checked against a root you chose. If that key is the log's: {proven}.";
        var notChecked = checks.Where(c => c.Status == CheckStatus.NotChecked).ToList();
        var identity = checks.Any(c => c.Name == "provider identity" && c.Status == CheckStatus.Info)
            ? " The provider's identity rests on the operator's word: its key is not certified by a CA."
            : "";
        var existed = earliest is null ? "" : $" Existed no later than {TsaToken.Utc(earliest.Time)} (source: {earliest.Source}).";
        if (bundle.Anchors.Count == 0 && notChecked.Count == 0)
            return $"VALID, NOT ANCHORED: {proven} under {keys}. No anchor yet: no chain fixes its time.{existed}{identity}";
        if (notChecked.Count > 0)
            return $"{(notChecked.All(c => c.Name.StartsWith("anchor chain", StringComparison.Ordinal)) ? "VALID OFFLINE, ANCHORS NOT CHECKED" : "VALID OFFLINE, NOT EVERYTHING CHECKED")}: {proven} under {keys}. {notChecked.Count} check(s) were not run ({string.Join("; ", notChecked.Select(c => c.Name))}), " +
                   (earliest is null ? "so the existence time is NOT proven; for anchors give --rpc CHAINID=URL." : $"(for anchors give --rpc CHAINID=URL).{existed}") + identity;
        return $"VALID: {proven} under {keys}, anchored on chain; existed no later than {TsaToken.Utc(earliest!.Time)} (source: {earliest.Source}).{identity}";
    }

    /// <summary>Who, what, when, where, and on whose authority: the facts a reader of the verdict asks for, each as checked.</summary>
    private static IReadOnlyList<SummaryLine> Summary(ProofBundle bundle, List<Check> checks, LogTrust trust, SealedTree seal, List<StampResult> stamps, TrustedTime? earliest)
    {
        var e = bundle.Entry;
        var lines = new List<SummaryLine>
        {
            new("who", $"provider {e.Provider}, key {e.KeyId} ({SignatureAlgs.ToWire(bundle.KeyEntry.Entry.Key.Alg)}), registered at {bundle.KeyEntry.Entry.RegisteredAt} in entry {bundle.KeyEntry.LeafIndex}; "
                + (bundle.KeyEntry.Entry.Key.Certificates is { Count: > 0 } certificates
                    ? (checks.Any(c => c.Name == "provider identity" && c.Status == CheckStatus.Pass)
                        ? "certified: " + Leaf(certificates)
                        : "certificate NOT validated: " + Leaf(certificates))
                    : "not certified: the identity rests on the operator's word")),
            new("what", $"{e.Evidence.HashAlg} {e.Evidence.Hash}, contract {e.Evidence.ContractId}, kind {e.Evidence.Kind}"),
            new("when", $"client time {e.Evidence.ClientTime} (provider clock); received {e.ReceivedAt} (node clock)"),
        };
        if (bundle.Root is { } step)
            lines.Add(new("root log", $"log '{LogTrust.OriginOf(bundle.Checkpoint)}' at size {bundle.TreeSize} is included in root log '{LogTrust.OriginOf(step.Checkpoint)}' at leaf {step.LeafIndex} of {step.TreeSize}, " +
                                      $"{(checks.Any(c => c.Name == "root checkpoint matches proof" && c.Status == CheckStatus.Pass) ? "checked" : "NOT established")}; the anchors and time-stamps are the root log's"));
        foreach (var a in bundle.Anchors)
        {
            var onChain = checks.Any(c => c.Status == CheckStatus.Pass && c.Name == $"anchor chain {a.ChainId} block time");
            lines.Add(new("when", $"block time {a.BlockTime} (chain {a.ChainId}, {(onChain ? "checked on chain" : "not checked on chain")})"));
            lines.Add(new("where", $"chain {a.ChainId}, registry {a.Registry}, transaction {a.TxHash}, block {a.BlockNumber} {a.BlockHash}"));
        }
        foreach (var s in stamps)
        {
            if (s.Token is not { } t)
            {
                lines.Add(new("when", $"TSA {s.Stamp.Tsa}: the token does not parse"));
                continue;
            }
            lines.Add(new("when", $"TSA {s.Stamp.Tsa} genTime {TsaToken.Utc(t.GenTime)} UTC = {TsaToken.Cst(t.GenTime)}, accuracy {t.AccuracyText} " +
                                  $"({(s.Trusted ? "trusted TSA" : s.Root is null ? "NOT a trusted TSA" : "a check failed")})"));
            lines.Add(new("tsa", $"{s.Stamp.Tsa}: {t.Signer.Subject}, serial {t.Serial}, policy {t.Policy}, {TsaHashAlg.NameOf(t.HashOid)} imprint{(s.Root is null ? "" : $", root {s.Root}")}"));
        }
        if (earliest is not null) lines.Add(new("no later than", $"{TsaToken.Utc(earliest.Time)} UTC = {TsaToken.Cst(earliest.Time)} (source: {earliest.Source})"));
        lines.Add(new("trusted roots", trust switch
        {
            { Untrusted: true } => "none: the bundle's own log key (--allow-untrusted)",
            { Log: null } => trust.Fingerprint is null ? "none given" : $"trust file {trust.Fingerprint}: {trust.Missing}",
            _ => $"trust file {trust.Fingerprint}: log '{trust.Log.Origin}'{RootTrust(trust, seal.Trust)}{(bundle.Timestamps.Count > 0 ? $", {stamps.Count(s => s.Root is not null)} of {bundle.Timestamps.Count} time-stamp(s) from a trusted TSA root" : "")}",
        }));
        return lines;
    }

    private static string RootTrust(LogTrust trust, LogTrust sealing) => sealing == trust ? "" : sealing switch
    {
        { Log: null } => $", {sealing.Missing}",
        { Untrusted: true } => $", root log '{sealing.Log.Origin}' under its own key (--allow-untrusted)",
        _ => $", root log '{sealing.Log.Origin}'",
    };

    /// <summary>The leaf certificate's subject, issuer, serial and credit code, as far as it parses.</summary>
    private static string Leaf(IReadOnlyList<string> certificates)
    {
        try { return CertificateIdentity.Read(Convert.FromBase64String(certificates[0])).Describe(); }
        catch (Exception e) when (e is AnchorException or FormatException) { return "the leaf certificate does not parse"; }
    }

    internal static bool TryCount(string text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && (text == "0" || text[0] != '0');
}
