using System.Globalization;
using Anchor.Chain;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;
using Anchor.Core.Verification;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Storage;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// The node's entry for a verifier's trust file (<c>anchor-trust/v1</c>): its origin and log key, per chain the
/// registry, the operator account (this node's) and the log ID that account registers,
/// keccak256(abi.encode(account, keccak256(origin))), the CA roots it accepts for provider identities, and the roots of
/// its TSAs (their <c>Roots</c> setting). What a court puts in its trust file is its own choice; this is what the
/// operator publishes for it to compare with.
/// </summary>
public sealed class NodeTrust(LogStore store, SealedLog sealedLog, SequencedLogs logs, IOptions<AnchoringOptions> anchoring,
    IOptions<TimestampingOptions> timestamping, ProviderRoots providerRoots)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TrustedChain?> _chains = new(StringComparer.Ordinal);

    /// <summary>
    /// Every log of the cluster and the provider roots as they are now, and the TSA roots. The chains are the sealed log's:
    /// with a root log, every log is listed with its key only, and the root log with its key and the registries its
    /// checkpoints are anchored in; without one, the node's log with its registries (other logs, unsealed, with their keys).
    /// </summary>
    public async Task<TrustFile> FileAsync()
    {
        var chains = anchoring.Value.Chains.Select(Chain).OfType<TrustedChain>().ToList();
        var entries = (await logs.Set.ListAsync()).Select(l => l.Origin).OrderBy(o => o != store.Origin).ThenBy(o => o, StringComparer.Ordinal)
            .Select(o => new TrustedLog(o, [logs.Get(o).Signer.VerifierKey.ToString()], !sealedLog.Rooted && o == store.Origin ? chains : [])).ToList();
        if (sealedLog.Rooted) entries.Add(new TrustedLog(sealedLog.Log.Origin, [sealedLog.Signer.VerifierKey.ToString()], chains));
        return new TrustFile(entries, [.. providerRoots.Certificates().Select(CertificatePem.Encode)],
            [.. timestamping.Value.Tsas.SelectMany(t => t.Roots).Select(CertificatePem.Encode).Distinct()]);
    }

    /// <summary>Where this node anchors on <paramref name="chain"/>; null for a chain without a registry or an account, which anchors nothing.</summary>
    public TrustedChain? Chain(ChainTarget chain) => _chains.GetOrAdd(chain.Name, _ => Build(chain));

    private TrustedChain? Build(ChainTarget chain)
    {
        if (chain.Registry is null || chain.KeyFile is null) return null;
        var account = AccountKey.AddressOf(AccountKey.ReadFile(chain.KeyFile)).ToLowerInvariant();
        return new TrustedChain(chain.ChainId.ToString(CultureInfo.InvariantCulture), chain.Registry.ToLowerInvariant(), account,
            RegistryLog.Id(account, sealedLog.Log.Origin));
    }
}
