using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anchor.Core.Json;

namespace Anchor.Core.Records;

/// <summary>
/// What a provider asserts (DESIGN A2): a digest of a document or event, the contract it belongs to,
/// what kind of event it is, and a random nonce that salts the leaf and identifies retries.
/// </summary>
public sealed record Evidence(
    string HashAlg,
    string Hash,
    string ContractId,
    string Kind,
    string? MetadataHash,
    string ClientTime,
    string Nonce)
{
    public const int MaxContractIdBytes = 256;
    public const int NonceBytes = 16;

    /// <summary>Digest length in bytes for each accepted hashAlg.</summary>
    public static readonly IReadOnlyDictionary<string, int> HashSizes = new Dictionary<string, int>
    {
        ["sha256"] = 32, ["sm3"] = 32, ["sha3-256"] = 32, ["keccak256"] = 32,
        // A keyed digest (LedgerRow): only the holder of the salt key can recompute it, so the log learns nothing of the row.
        [LedgerRow.HashAlg] = 32,
    };

    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>
    {
        "contract.document", "contract.signature", "identity.verification", "sms.record",
        "ip.record", "video.record", "audit.log", LedgerRow.Kind, "other",
    };

    public JsonObject ToJson()
    {
        var obj = new JsonObject
        {
            ["hashAlg"] = HashAlg,
            ["hash"] = Hash,
            ["contractId"] = ContractId,
            ["kind"] = Kind,
        };
        if (MetadataHash is not null) obj["metadataHash"] = MetadataHash;
        obj["clientTime"] = ClientTime;
        obj["nonce"] = Nonce;
        return obj;
    }

    /// <summary>JCS(evidence), written without a JSON tree. Equal to Jcs.Encode(ToJson()) (tested).</summary>
    public void WriteCanonical(IBufferWriter<byte> output)
    {
        var members = MetadataHash is null
            ? (Span<Jcs.Member>)[Jcs.Member.String("hashAlg", HashAlg), Jcs.Member.String("hash", Hash), Jcs.Member.String("contractId", ContractId),
                Jcs.Member.String("kind", Kind), Jcs.Member.String("clientTime", ClientTime), Jcs.Member.String("nonce", Nonce)]
            : [Jcs.Member.String("hashAlg", HashAlg), Jcs.Member.String("hash", Hash), Jcs.Member.String("contractId", ContractId),
                Jcs.Member.String("kind", Kind), Jcs.Member.String("metadataHash", MetadataHash), Jcs.Member.String("clientTime", ClientTime),
                Jcs.Member.String("nonce", Nonce)];
        Jcs.WriteObject(output, members);
    }

    [ThreadStatic] private static ArrayBufferWriter<byte>? scratch;

    public byte[] Canonical()
    {
        var buffer = scratch ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        WriteCanonical(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Parses and validates; every refusal carries the API error code.</summary>
    public static Evidence FromJson(JsonNode? node)
    {
        const string what = "evidence";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "hashAlg", "hash", "contractId", "kind", "metadataHash", "clientTime", "nonce");
        var evidence = new Evidence(
            JsonFields.Required(obj, "hashAlg", what),
            JsonFields.Required(obj, "hash", what),
            JsonFields.Required(obj, "contractId", what),
            JsonFields.Required(obj, "kind", what),
            JsonFields.Optional(obj, "metadataHash", what),
            JsonFields.Required(obj, "clientTime", what),
            JsonFields.Required(obj, "nonce", what));
        evidence.Validate();
        return evidence;
    }

    private static readonly string[] Members = ["hashAlg", "hash", "contractId", "kind", "metadataHash", "clientTime", "nonce"];

    /// <summary>
    /// Reads and validates evidence from the object at <paramref name="reader"/> (no JSON tree: the batch route reads
    /// thousands of them), refusing what <see cref="FromJson"/> refuses, with the same codes.
    /// </summary>
    public static Evidence Read(ref Utf8JsonReader reader)
    {
        const string what = "evidence";
        var values = new string?[Members.Length];
        Jcs.ReadMembers(ref reader, what, Members, (ref Utf8JsonReader r, int i) => values[i] = Jcs.ReadString(ref r, $"{what}.{Members[i]}"));
        string Required(int i) => values[i] ?? throw new AnchorException(ErrorCodes.Malformed, $"{what}.{Members[i]} is missing");
        var evidence = new Evidence(Required(0), Required(1), Required(2), Required(3), values[4], Required(5), Required(6));
        evidence.Validate();
        return evidence;
    }

    public void Validate()
    {
        if (!HashSizes.TryGetValue(HashAlg, out var size))
            throw new AnchorException(ErrorCodes.Malformed, $"evidence.hashAlg '{JsonFields.Short(HashAlg)}' is not one of {string.Join(", ", HashSizes.Keys)}");
        if (!Hex.TryDecodeCanonical(Hash, -1, out var digest))
            throw new AnchorException(ErrorCodes.HashMalformed, "evidence.hash must be lowercase hex");
        if (digest.Length != size)
            throw new AnchorException(ErrorCodes.HashMalformed, $"evidence.hash is {digest.Length} bytes; {HashAlg} digests are {size} bytes");
        if (MetadataHash is not null && !Hex.TryDecodeCanonical(MetadataHash, 32, out _))
            throw new AnchorException(ErrorCodes.HashMalformed, "evidence.metadataHash must be a 32-byte digest in lowercase hex");
        var idBytes = Encoding.UTF8.GetByteCount(ContractId);
        if (idBytes is 0 or > MaxContractIdBytes)
            throw new AnchorException(ErrorCodes.Malformed, $"evidence.contractId must be 1 to {MaxContractIdBytes} bytes of UTF-8, got {idBytes}");
        if (!Kinds.Contains(Kind))
            throw new AnchorException(ErrorCodes.Malformed, $"evidence.kind '{JsonFields.Short(Kind)}' is not one of {string.Join(", ", Kinds)}");
        if (!Times.TryParse(ClientTime, out _))
            throw new AnchorException(ErrorCodes.Malformed, $"evidence.clientTime must be RFC 3339 UTC with milliseconds (2026-11-26T11:00:00.000Z), got '{JsonFields.Short(ClientTime)}'");
        if (!Hex.TryDecodeCanonical(Nonce, NonceBytes, out _))
            throw new AnchorException(ErrorCodes.Malformed, $"evidence.nonce must be {NonceBytes * 2} lowercase hex characters ({NonceBytes} random bytes)");
    }
}
