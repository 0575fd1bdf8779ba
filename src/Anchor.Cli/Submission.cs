using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>The body of <c>POST /v1/evidence</c>: validated evidence and the provider's signature over its statement.</summary>
public static class Submission
{
    public static JsonObject Create(SigningKey key, string provider, string keyId, Evidence evidence)
    {
        evidence.Validate();
        var sig = key.Sign(Statements.Single(provider, keyId, evidence));
        return new JsonObject
        {
            ["provider"] = provider,
            ["keyId"] = keyId,
            ["evidence"] = evidence.ToJson(),
            ["sig"] = Convert.ToBase64String(sig),
        };
    }
}
