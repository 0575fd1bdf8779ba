using Anchor.Core.Merkle;
using Anchor.Core.Records;

namespace Anchor.Core.Verification;

/// <summary>
/// Checks a receipt (docs/formats.md) the way <see cref="BundleVerifier"/> checks a bundle's log part, with the same
/// trust rules and check names: the proof folds the leaves to a root, and the checkpoint is signed by a log key the
/// verifier trusts and names that root. A receipt says that a record is in the log; who signed it, and when it existed,
/// are the bundle's to prove (anchors and TSA tokens come with sealing).
/// </summary>
public static class ReceiptVerifier
{
    /// <summary>A single record's receipt; with <paramref name="entry"/> (the answer's entry) also its leaf hash.</summary>
    public static VerificationReport Verify(Receipt receipt, VerifyOptions options, LogEntry? entry = null)
    {
        var checks = new List<Check>();
        if (entry is not null)
        {
            var leafHex = Hex.Encode(entry.LeafHash());
            checks.Add(leafHex == receipt.LeafHash
                ? Check.Pass("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}")
                : Check.Fail("leaf hash", $"SHA-256(0x00 || JCS(entry)) = {leafHex}, receipt.leafHash = {receipt.LeafHash}"));
        }
        byte[]? root = null;
        ulong size = 0;
        checks.Add(Fold("inclusion proof", () =>
        {
            var index = Count(receipt.LeafIndex, "leafIndex");
            size = Count(receipt.TreeSize, "treeSize");
            root = ProofVerifier.RootFromInclusion(index, size, Hash(receipt.LeafHash, "leafHash"), Hashes(receipt.Inclusion, "inclusion"));
            return $"leaf {index} of {size} folds to root {Hex.Encode(root)} ({receipt.Inclusion.Count} hashes)";
        }));
        return Finish(checks, receipt.Origin, receipt.Checkpoint, root, size, options,
            $"leaf {receipt.LeafIndex} (leaf hash {receipt.LeafHash}) is in the log's tree of size {receipt.TreeSize}");
    }

    /// <summary>A batch receipt: every leaf hash it lists, at its place, in one range proof.</summary>
    public static VerificationReport Verify(BatchReceipt receipt, VerifyOptions options)
    {
        var checks = new List<Check>();
        byte[]? root = null;
        ulong size = 0;
        checks.Add(Fold("range proof", () =>
        {
            var first = Count(receipt.FirstIndex, "firstIndex");
            var count = Count(receipt.Count, "count");
            size = Count(receipt.TreeSize, "treeSize");
            if ((ulong)receipt.LeafHashes.Count != count)
                throw new ProofLengthError($"count is {count} but the receipt lists {receipt.LeafHashes.Count} leaf hashes");
            root = RangeProof.RootFromRange(first, Hashes(receipt.LeafHashes, "leafHashes"), size, Hashes(receipt.Left, "range.left"), Hashes(receipt.Right, "range.right"));
            return $"leaves [{first}, {first + count}) of {size} fold to root {Hex.Encode(root)} ({receipt.Left.Count} left and {receipt.Right.Count} right hashes)";
        }));
        return Finish(checks, receipt.Origin, receipt.Checkpoint, root, size, options,
            $"leaves {receipt.FirstIndex} to {(BundleVerifier.TryCount(receipt.FirstIndex, out var f) && BundleVerifier.TryCount(receipt.Count, out var c) && c > 0 ? f + c - 1 : 0)} ({receipt.Count} records) are in the log's tree of size {receipt.TreeSize}");
    }

    private static VerificationReport Finish(List<Check> checks, string origin, string note, byte[]? root, ulong size, VerifyOptions options, string proven)
    {
        var noteOrigin = BundleVerifier.LogTrust.OriginOf(note);
        checks.Add(origin == noteOrigin
            ? Check.Pass("receipt origin", $"the checkpoint is of log '{origin}'")
            : Check.Fail("receipt origin", $"the receipt names log '{origin}', its checkpoint '{noteOrigin}'"));
        // A receipt carries no log key of its own: trust comes from the verifier's roots only.
        var trust = BundleVerifier.LogTrust.Resolve(note, null, options);
        var (signatureCheck, checkpoint, _) = BundleVerifier.CheckpointSignature(note, null, trust);
        checks.Add(signatureCheck);
        checks.Add(signatureCheck.Status == CheckStatus.NotChecked
            ? Check.NotChecked("checkpoint matches proof", "no checkpoint verified under a trusted key to compare with")
            : BundleVerifier.CheckpointMatch(checkpoint, root, size));

        var outcome = BundleVerifier.Outcome(checks, trust);
        var failed = checks.Where(c => c.Status == CheckStatus.Fail).ToList();
        var verdict = outcome switch
        {
            VerificationOutcome.Invalid => $"INVALID: {failed.Count} check(s) failed: {string.Join("; ", failed.Select(c => c.Name))}",
            VerificationOutcome.Valid => $"VALID: {proven} under the trusted log key. A receipt proves inclusion only: the proof bundle adds the provider's key, anchors and time-stamps.",
            _ => $"UNVERIFIED: {trust.Missing}",
        };
        var summary = new List<SummaryLine>
        {
            new("where", $"log '{noteOrigin}', tree of size {size}"),
            new("trusted roots", trust.Log is null
                ? trust.Fingerprint is null ? "none given" : $"trust file {trust.Fingerprint}: {trust.Missing}"
                : $"trust file {trust.Fingerprint}: log '{trust.Log.Origin}'"),
        };
        return new VerificationReport(checks, outcome, verdict, summary);
    }

    private static Check Fold(string name, Func<string> fold)
    {
        try { return Check.Pass(name, fold()); }
        catch (ProofError e) { return Check.Fail(name, e.Message); }
        catch (AnchorException e) { return Check.Fail(name, e.Message); }
    }

    private static ulong Count(string text, string what) =>
        BundleVerifier.TryCount(text, out var n) ? n : throw new AnchorException(ErrorCodes.Malformed, $"{what} '{JsonFields.Short(text)}' is not a decimal count");

    private static byte[] Hash(string text, string what) =>
        Hex.TryDecodeCanonical(text, 32, out var bytes) ? bytes : throw new AnchorException(ErrorCodes.HashMalformed, $"{what} '{JsonFields.Short(text)}' is not 32 bytes of lowercase hex");

    private static List<byte[]> Hashes(IReadOnlyList<string> texts, string what) => [.. texts.Select((t, i) => Hash(t, $"{what}[{i}]"))];
}
