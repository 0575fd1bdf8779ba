using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// The options that describe one evidence record and who signs it, shared by <c>anchor evidence create</c>
/// and <c>anchor submit</c>, and the one way a signed submission body is built from them.
/// </summary>
public sealed class EvidenceInput
{
    private readonly Option<string> _key = new("--key") { Description = "The provider's key file (from `anchor keygen`).", Required = true };
    private readonly Option<string> _provider = new("--provider") { Description = "The provider ID registered on the node.", Required = true };
    private readonly Option<string?> _keyId = new("--key-id") { Description = "The key's ID on the node (default: the key's fingerprint, as `anchor keygen` prints it)." };
    private readonly Option<string?> _file = new("--file") { Description = "The document: its digest under --hash-alg becomes the evidence hash." };
    private readonly Option<string?> _hash = new("--hash") { Description = "The digest itself, lowercase hex, when the document stays elsewhere." };
    private readonly Option<string> _hashAlg = new("--hash-alg") { Description = "sha256, sm3, sha3-256 or keccak256.", DefaultValueFactory = _ => "sha256" };
    // Not required by the parser: with `submit --batch` they are defaults for the records that name none.
    private readonly Option<string?> _contract = new("--contract") { Description = "The contract or case the evidence belongs to (with --batch: for records that name none)." };
    private readonly Option<string?> _kind = new("--kind") { Description = "One of: " + string.Join(", ", Evidence.Kinds) + " (with --batch: for records that name none)." };
    private readonly Option<string?> _metadataHash = new("--metadata-hash") { Description = "Optional digest of provider-held metadata (IP, device, UA), hex." };

    public EvidenceInput()
    {
        _hashAlg.AcceptOnlyFromAmong([.. Evidence.HashSizes.Keys]);
        _kind.AcceptOnlyFromAmong([.. Evidence.Kinds]);
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _key, _provider, _keyId, _file, _hash, _hashAlg, _contract, _kind, _metadataHash })
            command.Options.Add(option);
    }

    /// <summary>Builds and signs the <c>POST /v1/evidence</c> body; on failure reports it and gives the exit code.</summary>
    public bool TryBuild(ParseResult parseResult, out JsonObject submission, out int exitCode)
    {
        submission = [];
        if ((parseResult.GetValue(_file) is null) == (parseResult.GetValue(_hash) is null))
            return Failed(CliErrors.Fail(parseResult, "give exactly one of --file and --hash"), out exitCode);
        if (parseResult.GetValue(_contract) is null || parseResult.GetValue(_kind) is null)
            return Failed(CliErrors.Fail(parseResult, "--contract and --kind are required"), out exitCode);
        if (!KeyFile.TryLoad(parseResult.GetValue(_key)!, out var signingKey, out var keyError))
            return Failed(CliErrors.Fail(parseResult, keyError), out exitCode);
        using var _ = signingKey;

        var alg = parseResult.GetValue(_hashAlg)!;
        string digest;
        if (parseResult.GetValue(_file) is { } path)
        {
            try
            {
                using var stream = File.OpenRead(path);
                digest = Hex.Encode(EvidenceDigest.Compute(alg, stream));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Failed(CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}"), out exitCode);
            }
        }
        else digest = parseResult.GetValue(_hash)!;

        try
        {
            var provider = parseResult.GetValue(_provider)!;
            var keyId = KeyId(parseResult, signingKey);
            var evidence = NewEvidence(alg, digest, parseResult.GetValue(_contract)!, parseResult.GetValue(_kind)!, parseResult.GetValue(_metadataHash));
            submission = new JsonObject
            {
                ["provider"] = provider,
                ["keyId"] = keyId,
                ["evidence"] = evidence.ToJson(),
                ["sig"] = Convert.ToBase64String(signingKey.Sign(Statements.Single(provider, keyId, evidence))),
            };
            exitCode = 0;
            return true;
        }
        catch (AnchorException e)
        {
            return Failed(CliErrors.Fail(parseResult, e.Message, e.Code), out exitCode);
        }
    }

    /// <summary>The options a batch takes from the command line: who signs, with what, and the defaults of its records.</summary>
    public (string KeyFile, string Provider, string? KeyId, string HashAlg, string? Contract, string? Kind, string? MetadataHash, bool SingleInput) Batch(ParseResult parseResult) =>
        (parseResult.GetValue(_key)!, parseResult.GetValue(_provider)!, parseResult.GetValue(_keyId), parseResult.GetValue(_hashAlg)!,
            parseResult.GetValue(_contract), parseResult.GetValue(_kind), parseResult.GetValue(_metadataHash),
            parseResult.GetValue(_file) is not null || parseResult.GetValue(_hash) is not null);

    /// <summary>--key-id, else the key's fingerprint.</summary>
    public string KeyId(ParseResult parseResult, SigningKey key) => parseResult.GetValue(_keyId) ?? KeyFile.DefaultKeyId(key);

    /// <summary>One record as a provider makes it now: the client time is this machine's clock, the nonce fresh; validated.</summary>
    /// <exception cref="AnchorException">A value the node would refuse (a bad hash, an unknown kind, a contract ID too long).</exception>
    public static Evidence NewEvidence(string hashAlg, string digest, string contract, string kind, string? metadataHash)
    {
        var evidence = new Evidence(hashAlg, digest, contract, kind, metadataHash, Times.ToText(DateTimeOffset.UtcNow),
            Hex.Encode(RandomNumberGenerator.GetBytes(Evidence.NonceBytes)));
        evidence.Validate();
        return evidence;
    }

    private static bool Failed(int code, out int exitCode)
    {
        exitCode = code;
        return false;
    }
}
