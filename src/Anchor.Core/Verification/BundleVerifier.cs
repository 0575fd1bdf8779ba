using System.Globalization;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Core.Verification;

/// <summary>What the verifier is given besides the bundle.</summary>
public sealed record VerifyOptions
{
    /// <summary>The document itself, when the verifier holds it; its digest must equal the evidence hash.</summary>
    public Stream? File { get; init; }

    /// <summary>The log key the verifier trusts (from the operator's publication); without it the bundle's own key is used, loudly.</summary>
    public string? TrustedLogKey { get; init; }

    /// <summary>Chain lookups by chain ID; an anchor on a chain without one is reported as not checked.</summary>
    public IReadOnlyDictionary<string, IAnchorLookup> Chains { get; init; } = new Dictionary<string, IAnchorLookup>();

    public int MinConfirmations { get; init; } = 1;
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
            var digest = Hex.Encode(EvidenceDigest.Compute(entry.Evidence.HashAlg, options.File));
            checks.Add(digest == entry.Evidence.Hash
                ? Check.Pass("file digest", $"{entry.Evidence.HashAlg}(file) = {digest}")
                : Check.Fail("file digest", $"{entry.Evidence.HashAlg}(file) = {digest}, evidence.hash = {entry.Evidence.Hash}"));
        }

        // 2. The provider's signature (and, for a batch record, its path to the signed batch root).
        checks.Add(ProviderSignature(bundle));
        if (entry.Batch is not null) checks.Add(BatchPathCheck(entry));

        // 3. The leaf hash.
        var leafHash = entry.LeafHash();
        var leafHex = Hex.Encode(leafHash);
        checks.Add(leafHex == bundle.LeafHash
            ? Check.Pass("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}")
            : Check.Fail("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}, bundle.leafHash = {bundle.LeafHash}"));

        // 4. Inclusion of the leaf in the tree of treeSize.
        var (inclusionCheck, root, size) = Inclusion(bundle, leafHash);
        checks.Add(inclusionCheck);

        // 5. The checkpoint signature, and 6. that it names the same tree.
        var (signatureCheck, checkpoint) = CheckpointSignature(bundle, options.TrustedLogKey);
        checks.Add(signatureCheck);
        checks.Add(CheckpointMatch(checkpoint, root, size));

        // 7. Every anchor: offline agreement with the proof, then the chain itself when reachable.
        foreach (var anchor in bundle.Anchors)
        {
            var label = $"anchor chain {anchor.ChainId}";
            checks.Add(AnchorAgreement(anchor, checkpoint, root, size, label));
            if (options.Chains.TryGetValue(anchor.ChainId, out var lookup))
            {
                try { checks.AddRange(await lookup.CheckAsync(anchor, options.MinConfirmations, cancellationToken)); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    checks.Add(Check.Fail($"{label} lookup", e.Message));
                }
            }
            else checks.Add(Check.NotChecked($"{label} on chain", $"no RPC for chain {anchor.ChainId}: transaction {anchor.TxHash} in block {anchor.BlockNumber} not checked"));
        }

        return new VerificationReport(checks, Verdict(bundle, checks, options));
    }

    private static Check ProviderSignature(ProofBundle bundle)
    {
        const string name = "provider signature";
        var entry = bundle.Entry;
        if (!KeyDescriptor.TryFromJson(bundle.ProviderKey, out var descriptor, out var error)
            || !SignatureVerifier.TryCreate(descriptor, out var verifier, out error))
            return Check.Fail(name, $"providerKey is not usable: {error}");
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

    private static (Check, byte[]? Root, ulong Size) Inclusion(ProofBundle bundle, byte[] leafHash)
    {
        const string name = "inclusion proof";
        if (!TryCount(bundle.LeafIndex, out var index) || !TryCount(bundle.TreeSize, out var size))
            return (Check.Fail(name, $"leafIndex '{bundle.LeafIndex}' or treeSize '{bundle.TreeSize}' is not a decimal count"), null, 0);
        var proof = new List<byte[]>();
        foreach (var h in bundle.Inclusion)
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

    private static (Check, Checkpoint?) CheckpointSignature(ProofBundle bundle, string? trusted)
    {
        const string name = "checkpoint signature";
        var keyText = trusted ?? bundle.LogKey;
        if (!VerifierKey.TryParse(keyText, out var key, out var error))
            return (Check.Fail(name, $"log key '{keyText}': {error}"), null);
        try
        {
            var checkpoint = Checkpoint.Verify(bundle.Checkpoint, key!);
            if (trusted is null)
                return (Check.Pass(name, $"signed by {key} — THE BUNDLE'S OWN KEY, trusted on first use: compare it with the key the log operator publishes, or pass --log-key"), checkpoint);
            var note = trusted != bundle.LogKey ? $" (the bundle names another key: {bundle.LogKey})" : "";
            return (Check.Pass(name, $"signed by trusted key {key}{note}"), checkpoint);
        }
        catch (NoteError e)
        {
            return (Check.Fail(name, $"{e.Message} (key {keyText})"), null);
        }
    }

    private static Check CheckpointMatch(Checkpoint? checkpoint, byte[]? root, ulong size)
    {
        const string name = "checkpoint matches proof";
        if (checkpoint is null || root is null) return Check.Fail(name, "no verified checkpoint or no root from the proof to compare");
        var cpRoot = Hex.Encode(checkpoint.Root);
        var proofRoot = Hex.Encode(root);
        return checkpoint.Size == size && cpRoot == proofRoot
            ? Check.Pass(name, $"size {size}, root {proofRoot}")
            : Check.Fail(name, $"checkpoint size {checkpoint.Size} root {cpRoot}; proof size {size} root {proofRoot}");
    }

    private static Check AnchorAgreement(ChainAnchor anchor, Checkpoint? checkpoint, byte[]? root, ulong size, string label)
    {
        var name = $"{label} names this tree";
        var rootHex = root is null ? "(none)" : Hex.Encode(root);
        var anchorRoot = anchor.RootHex;
        var logId = checkpoint is null ? null : EvidenceDigest.LogId(checkpoint.Origin);
        if (!TryCount(anchor.TreeSize, out var anchorSize) || anchorSize != size)
            return Check.Fail(name, $"anchor treeSize {anchor.TreeSize}, proof treeSize {size}");
        if (anchorRoot != rootHex) return Check.Fail(name, $"anchor root {anchor.Root}, proof root {rootHex}");
        if (logId is null || !string.Equals(anchor.LogId, logId, StringComparison.OrdinalIgnoreCase))
            return Check.Fail(name, $"anchor logId {anchor.LogId}, keccak256(origin) {logId ?? "(no checkpoint)"}");
        return Check.Pass(name, $"logId {anchor.LogId}, size {size}, root {rootHex}");
    }

    private static string Verdict(ProofBundle bundle, List<Check> checks, VerifyOptions options)
    {
        var failed = checks.Where(c => c.Status == CheckStatus.Fail).ToList();
        if (failed.Count > 0) return $"INVALID: {failed.Count} check(s) failed: {string.Join("; ", failed.Select(c => c.Name))}";
        var proven = $"entry {bundle.LeafIndex} ({bundle.Entry.Evidence.HashAlg} {bundle.Entry.Evidence.Hash}) was signed by {bundle.Entry.Provider} and is in the log's tree of size {bundle.TreeSize}";
        var keyNote = options.TrustedLogKey is null ? " under the bundle's own log key (not independently trusted)" : " under the trusted log key";
        var onChain = checks.Where(c => c.Status == CheckStatus.Pass && c.Name.EndsWith("block time", StringComparison.Ordinal)).Select(c => c.Detail).ToList();
        var notChecked = checks.Where(c => c.Status == CheckStatus.NotChecked).ToList();
        if (bundle.Anchors.Count == 0)
            return $"VALID, NOT ANCHORED: {proven}{keyNote}. No anchor yet: no chain fixes its time.";
        if (notChecked.Count > 0)
            return $"VALID OFFLINE, ANCHORS NOT CHECKED: {proven}{keyNote}. {notChecked.Count} chain check(s) were not run, so the existence time is NOT proven; give --rpc CHAINID=URL.";
        return $"VALID: {proven}{keyNote}, anchored on chain; existed no later than {string.Join(", ", onChain)}.";
    }

    private static bool TryCount(string text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && (text == "0" || text[0] != '0');
}
