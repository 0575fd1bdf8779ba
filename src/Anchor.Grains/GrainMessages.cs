using Anchor.Core.Merkle;
using Anchor.Core.Records;

namespace Anchor.Grains;

/// <summary>
/// Evidence as the API parsed and validated it, with its JCS bytes: encoded once, then signed over, hashed and
/// stored as they are. Its members travel as strings so that the grain messages carry no Core types (Core has no
/// Orleans dependency); <see cref="ToEvidence"/> rebuilds the record without parsing or validating again.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CanonicalEvidence(
    [property: Id(0)] byte[] Jcs,
    [property: Id(1)] string HashAlg,
    [property: Id(2)] string Hash,
    [property: Id(3)] string ContractId,
    [property: Id(4)] string Kind,
    [property: Id(5)] string? MetadataHash,
    [property: Id(6)] string ClientTime,
    [property: Id(7)] string Nonce)
{
    /// <summary>From evidence that <see cref="Evidence.Validate"/> accepted (FromJson validates).</summary>
    public static CanonicalEvidence Of(Evidence e) =>
        new(e.Canonical(), e.HashAlg, e.Hash, e.ContractId, e.Kind, e.MetadataHash, e.ClientTime, e.Nonce);

    public Evidence ToEvidence() => new(HashAlg, Hash, ContractId, Kind, MetadataHash, ClientTime, Nonce);
}

/// <summary>
/// One record on its way into the log, after its signature was checked. <see cref="ContentDigest"/> is
/// SHA-256(0x00 || d_i), d_i = JCS({provider, keyId, evidence}), what "the same content" means for a retry: the
/// record's leaf hash in its provider batch tree, which the verifier of a batch computes anyway. <see cref="KeyEntry"/>
/// is the leaf index of the registration entry of the key the signature was checked with.
/// The verifier also writes the record's log entry (<see cref="LeafData"/>, received at <see cref="ReceivedAt"/>) and its
/// <see cref="LeafHash"/>, in parallel on every core, so that the sequencer, the one serial step, only appends.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VerifiedRecord(
    [property: Id(0)] string Provider,
    [property: Id(1)] string KeyId,
    [property: Id(2)] CanonicalEvidence Evidence,
    [property: Id(3)] string Sig,
    [property: Id(4)] BatchRef? Batch,
    [property: Id(5)] int BatchIndex,
    [property: Id(6)] byte[] ContentDigest,
    [property: Id(7)] ulong KeyEntry,
    [property: Id(8)] string ReceivedAt,
    [property: Id(9)] byte[] LeafData,
    [property: Id(10)] byte[] LeafHash,
    [property: Id(11)] string? Log = null)
{
    /// <summary>
    /// A single record received at <paramref name="receivedAt"/>: d_i's leaf hash (<paramref name="contentDigest"/> when the
    /// caller has it already: the verifier hashes it from the statement it checked), its entry and its leaf hash.
    /// </summary>
    public static VerifiedRecord Single(string provider, string keyId, CanonicalEvidence evidence, string sig, ulong keyEntry, string receivedAt,
        byte[]? contentDigest = null, string? log = null)
    {
        var data = LogEntry.LeafData(provider, keyId, evidence.Jcs, sig, receivedAt, Text(keyEntry));
        return new(provider, keyId, evidence, sig, null, 0, contentDigest ?? Statements.BatchLeafHash(provider, keyId, evidence.Jcs), keyEntry, receivedAt,
            data, TreeHasher.HashLeaf(data), log);
    }

    /// <summary>
    /// The records of a provider batch received at <paramref name="receivedAt"/>: <paramref name="tree"/> is the
    /// <see cref="FlatTree"/> over their d_i leaf hashes, whose root the caller checked to be <paramref name="root"/>, which
    /// <paramref name="sig"/> signs. Each record's entry carries its path in that tree.
    /// </summary>
    public static VerifiedRecord[] OfBatch(string provider, string keyId, CanonicalEvidence[] evidence, string sig, string root, ulong keyEntry,
        string receivedAt, byte[] tree, string? log = null)
    {
        var size = (ulong)evidence.Length;
        var batch = new BatchRef(root, Text(size), tree);
        var shared = new ProviderBatch(provider, keyId, sig, root, size, receivedAt, Text(keyEntry));
        var records = new VerifiedRecord[evidence.Length];
        for (var i = 0; i < records.Length; i++)
        {
            var data = shared.LeafData((ulong)i, evidence[i].Jcs, FlatTree.Inclusion(tree, size, (ulong)i));
            records[i] = new VerifiedRecord(provider, keyId, evidence[i], sig, batch, i, tree[(i * TreeHasher.HashSize)..((i + 1) * TreeHasher.HashSize)],
                keyEntry, receivedAt, data, TreeHasher.HashLeaf(data), log);
        }
        return records;
    }

    private static string Text(ulong n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// A key registration or revocation on its way into the log (<see cref="KeyRegistration"/>, <see cref="KeyRevocation"/>):
/// its leaf data as the provider grain encoded it, and for a revocation the leaf index of the registration it ends.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record KeyEvent(
    [property: Id(0)] byte[] LeafData,
    [property: Id(1)] ulong? Revokes);

/// <summary>
/// A provider batch, shared by all its records: the batch signature covers Root and Size; Tree is its <see cref="FlatTree"/>
/// (the records' leaf hashes, then every perfect node above them), which the sequencer stores once as it is.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BatchRef(
    [property: Id(0)] string Root,
    [property: Id(1)] string Size,
    [property: Id(2)] byte[] Tree);

/// <summary>
/// The outcome of one record: sequenced (or found sequenced before, for a retry), or refused with an API error code.
/// Entry is the entry's JCS (UTF-8), ready to be written into an answer as it is. <see cref="Checkpoint"/> is the signed
/// note of the call's proof (<see cref="SequencedCall"/>), whose tree contains the entry.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SequencedRecord(
    [property: Id(0)] byte[]? Entry,
    [property: Id(1)] ulong LeafIndex,
    [property: Id(3)] string? Checkpoint,
    [property: Id(4)] string? ErrorCode,
    [property: Id(5)] string? ErrorDetail,
    [property: Id(6)] string? LeafHash)
{
    public static SequencedRecord Refused(string code, string detail) => new(null, 0, null, code, detail, null);

    /// <summary>
    /// The same record: entry bytes, place and outcome. A retry's answer equals the original's, though proven at a later
    /// checkpoint when the log grew meanwhile, so <see cref="Checkpoint"/> is not compared.
    /// </summary>
    public bool Equals(SequencedRecord? other) =>
        other is not null && LeafIndex == other.LeafIndex && ErrorCode == other.ErrorCode
        && ErrorDetail == other.ErrorDetail && LeafHash == other.LeafHash && Same(Entry, other.Entry);

    public override int GetHashCode() => HashCode.Combine(LeafIndex, LeafHash, ErrorCode);

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);
}

/// <summary>
/// The outcome of one call: its records, and when none was refused the proof that they are in the tree of
/// <see cref="Checkpoint"/> (size <see cref="TreeSize"/>), from which the API writes the receipts (docs/formats.md).
/// A single record (not of a provider batch) gets its <see cref="Inclusion"/> path; the records of a batch get one
/// range proof per run of neighbouring leaves (<see cref="Runs"/>; a batch of new records is always one run).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SequencedCall(
    [property: Id(0)] SequencedRecord[] Records,
    [property: Id(1)] string? Checkpoint,
    [property: Id(2)] ulong TreeSize,
    [property: Id(3)] byte[][]? Inclusion,
    [property: Id(4)] SequencedRun[]? Runs)
{
    public static SequencedCall Refused(SequencedRecord[] records) => new(records, null, 0, null, null);
}

/// <summary>Leaves [First, First + Count) of the call's tree and their <see cref="Core.Merkle.RangeProof"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record SequencedRun(
    [property: Id(0)] ulong First,
    [property: Id(1)] int Count,
    [property: Id(2)] byte[][] Left,
    [property: Id(3)] byte[][] Right);

/// <summary>What the sequencer reports for health checks; <see cref="Code"/> is the API error code while it refuses (<c>log_rolled_back</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record SequencerStatus([property: Id(0)] bool Ready, [property: Id(1)] ulong Size, [property: Id(2)] string? Problem, [property: Id(3)] string Silo,
    [property: Id(4)] string? Code = null);

/// <summary>
/// A key as registered: its descriptor JSON, its registration entry in the log, when it stops being valid, for a
/// certified key the window of its certificate chain, and the log its registration entry is in (null: the default log,
/// as for every key registered before logs were many).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProviderKeyState(
    [property: Id(0)] string DescriptorJson,
    [property: Id(1)] DateTimeOffset AddedAt,
    [property: Id(2)] DateTimeOffset? RevokedAt,
    [property: Id(3)] ulong KeyEntry,
    [property: Id(4)] DateTimeOffset? CertifiedFrom = null,
    [property: Id(5)] DateTimeOffset? CertifiedUntil = null,
    [property: Id(6)] string? Log = null)
{
    /// <summary>A key signs for entries received before its revocation, never after.</summary>
    public bool ValidAt(DateTimeOffset time) => RevokedAt is null || time < RevokedAt;

    /// <summary>A certified key signs only while its whole chain is valid: a verifier checks the chain at the record's time.</summary>
    public bool CertifiedAt(DateTimeOffset time) => (CertifiedFrom is null || time >= CertifiedFrom) && (CertifiedUntil is null || time <= CertifiedUntil);
}

/// <summary>
/// A key to register: its id, descriptor JSON, its proof of possession (base64 signature over its registration
/// statement), and, for a certified key, the window in which its whole certificate chain is valid.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NewKey(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string DescriptorJson,
    [property: Id(2)] string Pop,
    [property: Id(3)] DateTimeOffset? CertifiedFrom = null,
    [property: Id(4)] DateTimeOffset? CertifiedUntil = null);

/// <summary>The outcome of a key lookup: the key, or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyLookup(
    [property: Id(0)] bool ProviderKnown,
    [property: Id(1)] ProviderKeyState? Key);

/// <summary>
/// All keys of a provider (none when it is unknown), for a silo's <see cref="ProviderKeyCache"/>: valid for
/// <see cref="Lease"/>, during which the provider grain tells the subscriber of every change before acknowledging it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ProviderKeys(
    [property: Id(0)] bool ProviderKnown,
    [property: Id(1)] Dictionary<string, ProviderKeyState> Keys,
    [property: Id(2)] TimeSpan Lease)
{
    public KeyLookup Lookup(string keyId) => new(ProviderKnown, Keys.GetValueOrDefault(keyId));
}

/// <summary>A refusal that carries the API error code across a grain call.</summary>
[GenerateSerializer]
public sealed class RecordRefusedException(string code, string detail) : Exception(detail)
{
    [Id(0)] public string Code { get; } = code;
    [Id(1)] public string Detail { get; } = detail;
}

/// <summary>
/// The sequencer could not commit: <see cref="Code"/> <see cref="Retry"/> (another writer moved the head, Redis failed:
/// retry the same records), or <see cref="ErrorCodes.LogRolledBack"/> (it refuses until an operator restores the log).
/// </summary>
[GenerateSerializer]
public sealed class SequencerUnavailableException(string detail, string code = SequencerUnavailableException.Retry) : Exception(detail)
{
    public const string Retry = "unavailable";

    [Id(0)] public string Detail { get; } = detail;
    [Id(1)] public string Code { get; } = code;
}

/// <summary>A provider as the operator sees it (never the read token, not even its hash).</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderDescription(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset RegisteredAt,
    [property: Id(2)] Dictionary<string, ProviderKeyState> Keys,
    [property: Id(3)] string? Log = null);
