using Anchor.Chain;
using Anchor.Core.Checkpoints;
using Anchor.Core.Verification;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// The node's entry for a verifier's trust file (<c>anchor-trust/v1</c>): its origin and log key, per chain the
/// registry, the operator account (this node's) and the log ID, and the roots of its TSAs (their <c>Roots</c> setting).
/// What a court puts in its trust file is its own choice; this is what the operator publishes for it to compare with.
/// </summary>
public sealed class NodeTrust(LogStore store, NoteSigner signer, IOptions<AnchoringOptions> anchoring, IOptions<TimestampingOptions> timestamping)
{
    private TrustFile? _file;

    public TrustFile File => _file ??= Build();

    private TrustFile Build()
    {
        var chains = new List<TrustedChain>();
        foreach (var chain in anchoring.Value.Chains)
        {
            // A chain without a registry or an account anchors nothing yet: there is nothing to trust on it.
            if (chain.Registry is null || chain.KeyFile is null) continue;
            var account = AccountKey.AddressOf(AccountKey.ReadFile(chain.KeyFile)).ToLowerInvariant();
            chains.Add(new TrustedChain(chain.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                chain.Registry.ToLowerInvariant(), account, LogId.Hex(store.Origin)));
        }
        var tsaRoots = timestamping.Value.Tsas.SelectMany(t => t.Roots).Select(CertificatePem.Encode).Distinct().ToList();
        return new TrustFile([new TrustedLog(store.Origin, [signer.VerifierKey.ToString()], chains)], [], tsaRoots);
    }
}
