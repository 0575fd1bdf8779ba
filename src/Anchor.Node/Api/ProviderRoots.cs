using Anchor.Core.Identity;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// The CA certificates and CRLs the node accepts for provider identities, read from the folders
/// <c>Anchor:Trust:ProviderRoots</c> and <c>Anchor:Trust:Crls</c> on every use, so that files added there count at once.
/// Files hold PEM (any number of blocks) or one DER object (Core's <see cref="CertificateFile"/> reads them).
/// </summary>
public sealed class ProviderRoots(IOptions<AnchorOptions> options)
{
    /// <summary>The root certificates, DER, in file-name order.</summary>
    public IReadOnlyList<byte[]> Certificates() => Read(options.Value.Trust.ProviderRoots, CertificateFile.Certificates);

    /// <summary>The roots and CRLs as a validator's trust, as they are now.</summary>
    public CertificateTrust Trust() => CertificateTrust.Create(Certificates(), Read(options.Value.Trust.Crls, CertificateFile.Crls));

    private static List<byte[]> Read(string folder, Func<byte[], string, IReadOnlyList<byte[]>> parse)
    {
        var result = new List<byte[]>();
        if (folder.Length == 0 || !Directory.Exists(folder)) return result;
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
            result.AddRange(parse(File.ReadAllBytes(file), file));
        return result;
    }
}
