using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Core.Verification;

/// <summary>
/// Where one trusted log is anchored: the chain, the registry contract, the account that operates the log there,
/// and the log's ID in that registry (keccak256(abi.encode(registrant, keccak256(origin)))).
/// </summary>
public sealed record TrustedChain(string ChainId, string Registry, string Operator, string LogId)
{
    public JsonObject ToJson() => new() { ["chainId"] = ChainId, ["registry"] = Registry, ["operator"] = Operator, ["logId"] = LogId };

    public static TrustedChain FromJson(JsonNode? node, string what)
    {
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "chainId", "registry", "operator", "logId");
        var chain = new TrustedChain(
            JsonFields.Required(obj, "chainId", what),
            JsonFields.Required(obj, "registry", what).ToLowerInvariant(),
            JsonFields.Required(obj, "operator", what).ToLowerInvariant(),
            JsonFields.Required(obj, "logId", what).ToLowerInvariant());
        JsonFields.Count(chain.ChainId, what + ".chainId");
        RegistryLog.Address(chain.Registry);
        RegistryLog.Address(chain.Operator);
        if (!Hex.TryDecode(chain.LogId, out var id, allowPrefix: true) || id.Length != 32 || !chain.LogId.StartsWith("0x", StringComparison.Ordinal))
            throw new AnchorException(ErrorCodes.Malformed, $"{what}.logId must be 0x and 64 hex characters");
        return chain;
    }
}

/// <summary>
/// One log a verifier trusts: its checkpoint origin, its verifier keys (vkeys), where it is anchored, and, for a member
/// log of a cluster, the origin of the root log that must seal it (<see cref="SealedBy"/>; null: any root log listed).
/// </summary>
public sealed record TrustedLog(string Origin, IReadOnlyList<string> Keys, IReadOnlyList<TrustedChain> Chains, string? SealedBy = null)
{
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["origin"] = Origin,
            ["keys"] = new JsonArray([.. Keys.Select(k => (JsonNode)k)]),
            ["chains"] = new JsonArray([.. Chains.Select(c => (JsonNode)c.ToJson())]),
        };
        if (SealedBy is not null) json["sealedBy"] = SealedBy;
        return json;
    }

    public static TrustedLog FromJson(JsonNode? node, string what)
    {
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "origin", "keys", "chains", "sealedBy");
        var origin = JsonFields.Required(obj, "origin", what);
        var keys = JsonFields.StringArray(obj, "keys", what);
        if (keys.Count == 0) throw new AnchorException(ErrorCodes.Malformed, $"{what}.keys must name at least one verifier key");
        foreach (var key in keys)
        {
            if (!VerifierKey.TryParse(key, out var parsed, out var error))
                throw new AnchorException(ErrorCodes.Malformed, $"{what}.keys: {error}");
            if (parsed!.Name != origin)
                throw new AnchorException(ErrorCodes.Malformed, $"{what}.keys: key '{JsonFields.Short(key)}' is named '{parsed.Name}', not the origin '{origin}'");
        }
        var chains = obj["chains"] is null ? [] : obj["chains"] is JsonArray a
            ? a.Select((c, i) => TrustedChain.FromJson(c, $"{what}.chains[{i}]")).ToList()
            : throw new AnchorException(ErrorCodes.Malformed, $"{what}.chains must be an array");
        var sealedBy = JsonFields.Optional(obj, "sealedBy", what);
        if (sealedBy is not null && (sealedBy.Length == 0 || sealedBy == origin))
            throw new AnchorException(ErrorCodes.Malformed, $"{what}.sealedBy must name another log's origin");
        return new TrustedLog(origin, keys, chains, sealedBy);
    }
}

/// <summary>
/// <c>anchor-trust/v1</c> (DESIGN A7): everything a verifier trusts, chosen by the verifier and never taken from a
/// bundle. The logs (origin, keys, chains), the CA certificates accepted for provider identities, and those accepted
/// for time-stamping authorities. Certificates are PEM text, one certificate each.
/// </summary>
public sealed record TrustFile(IReadOnlyList<TrustedLog> Logs, IReadOnlyList<string> ProviderRoots, IReadOnlyList<string> TsaRoots)
{
    public const string FormatName = "anchor-trust/v1";

    /// <summary>The log trusted under a checkpoint origin, or null.</summary>
    public TrustedLog? Log(string origin) => Logs.FirstOrDefault(l => l.Origin == origin);

    /// <summary>The <c>--log-key</c> shortcut: a trust file with one log key and nothing else.</summary>
    public static TrustFile ForLogKey(string verifierKey)
    {
        if (!VerifierKey.TryParse(verifierKey, out var key, out var error))
            throw new AnchorException(ErrorCodes.Malformed, $"log key: {error}");
        return new TrustFile([new TrustedLog(key!.Name, [verifierKey], [])], [], []);
    }

    public JsonObject ToJson() => new()
    {
        ["format"] = FormatName,
        ["logs"] = new JsonArray([.. Logs.Select(l => (JsonNode)l.ToJson())]),
        ["providerRoots"] = new JsonArray([.. ProviderRoots.Select(r => (JsonNode)r)]),
        ["tsaRoots"] = new JsonArray([.. TsaRoots.Select(r => (JsonNode)r)]),
    };

    /// <summary>SHA-256 of the file's JCS form, hex: names the roots a verdict rests on, whatever the file's layout.</summary>
    public string Fingerprint() => Hex.Encode(SHA256.HashData(Jcs.Encode(ToJson())));

    public static TrustFile FromJson(JsonNode? node)
    {
        const string what = "trust";
        var obj = JsonFields.Object(node, what);
        JsonFields.OnlyKnown(obj, what, "format", "logs", "providerRoots", "tsaRoots");
        var format = JsonFields.Required(obj, "format", what);
        if (format != FormatName) throw new AnchorException(ErrorCodes.Malformed, $"trust.format is '{JsonFields.Short(format)}', want '{FormatName}'");
        var logs = obj["logs"] is JsonArray a ? a.Select((l, i) => TrustedLog.FromJson(l, $"trust.logs[{i}]")).ToList()
            : throw new AnchorException(ErrorCodes.Malformed, "trust.logs must be an array");
        var providerRoots = obj.ContainsKey("providerRoots") ? JsonFields.StringArray(obj, "providerRoots", what) : [];
        var tsaRoots = obj.ContainsKey("tsaRoots") ? JsonFields.StringArray(obj, "tsaRoots", what) : [];
        foreach (var pem in providerRoots.Concat(tsaRoots)) CertificatePem.Decode(pem, what);
        return new TrustFile(logs, providerRoots, tsaRoots);
    }
}

/// <summary>PEM certificates as the trust file carries them.</summary>
public static class CertificatePem
{
    /// <summary>The DER of one PEM CERTIFICATE block; throws <see cref="AnchorException"/> otherwise.</summary>
    public static byte[] Decode(string pem, string what)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "CERTIFICATE")
            throw new AnchorException(ErrorCodes.Malformed, $"{what}: not a PEM CERTIFICATE");
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }

    public static string Encode(byte[] der) => new(PemEncoding.Write("CERTIFICATE", der));

    /// <summary>SHA-256 of the DER, hex: how reports name a root.</summary>
    public static string Fingerprint(byte[] der) => Hex.Encode(SHA256.HashData(der));
}
