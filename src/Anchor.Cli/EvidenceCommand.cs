using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor evidence create --key FILE --provider P (--file F | --hash HEX) --contract C --kind K</c>:
/// builds evidence with a fresh nonce and the current time, signs its statement, and prints the
/// <c>POST /v1/evidence</c> body.
/// </summary>
public static class EvidenceCommand
{
    public static Command Build()
    {
        var key = new Option<string>("--key") { Description = "The provider's key file (from `anchor keygen`).", Required = true };
        var provider = new Option<string>("--provider") { Description = "The provider ID registered on the node.", Required = true };
        var keyId = new Option<string?>("--key-id") { Description = "The key's ID on the node (default: the key's fingerprint, as `anchor keygen` prints it)." };
        var file = new Option<string?>("--file") { Description = "The document: its digest under --hash-alg becomes the evidence hash." };
        var hash = new Option<string?>("--hash") { Description = "The digest itself, lowercase hex, when the document stays elsewhere." };
        var hashAlg = new Option<string>("--hash-alg") { Description = "sha256, sm3, sha3-256 or keccak256.", DefaultValueFactory = _ => "sha256" };
        hashAlg.AcceptOnlyFromAmong([.. Evidence.HashSizes.Keys]);
        var contract = new Option<string>("--contract") { Description = "The contract or case the evidence belongs to.", Required = true };
        var kind = new Option<string>("--kind") { Description = "One of: " + string.Join(", ", Evidence.Kinds) + ".", Required = true };
        kind.AcceptOnlyFromAmong([.. Evidence.Kinds]);
        var metadataHash = new Option<string?>("--metadata-hash") { Description = "Optional digest of provider-held metadata (IP, device, UA), hex." };

        var create = new Command("create", "Sign one evidence record and print the submission body for POST /v1/evidence.")
        {
            key, provider, keyId, file, hash, hashAlg, contract, kind, metadataHash,
        };
        create.SetAction(parseResult =>
        {
            if ((parseResult.GetValue(file) is null) == (parseResult.GetValue(hash) is null))
                return CliErrors.Fail(parseResult, "give exactly one of --file and --hash");
            if (!KeyFile.TryLoad(parseResult.GetValue(key)!, out var signingKey, out var keyError))
                return CliErrors.Fail(parseResult, keyError);
            using var _ = signingKey;

            var alg = parseResult.GetValue(hashAlg)!;
            string digest;
            if (parseResult.GetValue(file) is { } path)
            {
                try
                {
                    using var stream = File.OpenRead(path);
                    digest = Hex.Encode(EvidenceDigest.Compute(alg, stream));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return CliErrors.Fail(parseResult, $"cannot read {path}: {e.Message}");
                }
            }
            else digest = parseResult.GetValue(hash)!;

            try
            {
                var submission = Submission.Create(signingKey, parseResult.GetValue(provider)!, parseResult.GetValue(keyId) ?? KeyFile.DefaultKeyId(signingKey),
                    new Evidence(alg, digest, parseResult.GetValue(contract)!, parseResult.GetValue(kind)!, parseResult.GetValue(metadataHash),
                        Times.ToText(DateTimeOffset.UtcNow), Hex.Encode(RandomNumberGenerator.GetBytes(Evidence.NonceBytes))));
                parseResult.InvocationConfiguration.Output.WriteLine(submission.ToJsonString());
                return 0;
            }
            catch (AnchorException e)
            {
                return CliErrors.Fail(parseResult, e.Message, e.Code);
            }
        });
        return new Command("evidence", "Build signed evidence submissions.") { create };
    }
}
