namespace Anchor.Grains;

/// <summary>
/// One record on its way into the log, after its signature was checked. The evidence travels as its
/// JCS text so that the grain messages carry no Core types (Core has no Orleans dependency).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VerifiedRecord(
    [property: Id(0)] string Provider,
    [property: Id(1)] string KeyId,
    [property: Id(2)] string EvidenceJson,
    [property: Id(3)] string Sig,
    [property: Id(4)] BatchRef? Batch);

/// <summary>Where a batch record sits in its provider's batch tree (entry.batch of DESIGN A2).</summary>
[GenerateSerializer, Immutable]
public sealed record BatchRef(
    [property: Id(0)] string Root,
    [property: Id(1)] string Size,
    [property: Id(2)] string Index,
    [property: Id(3)] string[] Path);

/// <summary>
/// The outcome of one record: sequenced (or found sequenced before, for a retry), or refused with an
/// API error code. <see cref="Checkpoint"/> is a signed note whose tree contains the entry.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SequencedRecord(
    [property: Id(0)] string? EntryJson,
    [property: Id(1)] ulong LeafIndex,
    [property: Id(2)] string? ReceiptJson,
    [property: Id(3)] string? Checkpoint,
    [property: Id(4)] string? ErrorCode,
    [property: Id(5)] string? ErrorDetail)
{
    public static SequencedRecord Refused(string code, string detail) => new(null, 0, null, null, code, detail);
}

/// <summary>What the sequencer reports for health checks.</summary>
[GenerateSerializer, Immutable]
public sealed record SequencerStatus([property: Id(0)] bool Ready, [property: Id(1)] ulong Size, [property: Id(2)] string? Problem, [property: Id(3)] string Silo);

/// <summary>A key as registered: its descriptor JSON and when it stops being valid.</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderKeyState(
    [property: Id(0)] string DescriptorJson,
    [property: Id(1)] DateTimeOffset AddedAt,
    [property: Id(2)] DateTimeOffset? RevokedAt)
{
    /// <summary>A key signs for entries received before its revocation, never after.</summary>
    public bool ValidAt(DateTimeOffset time) => RevokedAt is null || time < RevokedAt;
}

/// <summary>The outcome of a key lookup: the key, or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record KeyLookup(
    [property: Id(0)] bool ProviderKnown,
    [property: Id(1)] ProviderKeyState? Key);

/// <summary>A refusal that carries the API error code across a grain call.</summary>
[GenerateSerializer]
public sealed class RecordRefusedException(string code, string detail) : Exception(detail)
{
    [Id(0)] public string Code { get; } = code;
    [Id(1)] public string Detail { get; } = detail;
}

/// <summary>The sequencer could not commit (another writer moved the head, or Redis failed): retry later.</summary>
[GenerateSerializer]
public sealed class SequencerUnavailableException(string detail) : Exception(detail)
{
    [Id(0)] public string Detail { get; } = detail;
}

/// <summary>A provider as the operator sees it (never the read token, not even its hash).</summary>
[GenerateSerializer, Immutable]
public sealed record ProviderDescription(
    [property: Id(0)] string Name,
    [property: Id(1)] DateTimeOffset RegisteredAt,
    [property: Id(2)] Dictionary<string, ProviderKeyState> Keys);
