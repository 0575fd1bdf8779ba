using Anchor.Core.Records;
using Anchor.Core.Verification;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// The CA certificates a validator accepts as roots for provider identities, and the CRLs it applies; chosen by whoever
/// validates (the node's configured folder, a verifier's trust file), never taken from the chain being checked.
/// Parsed once and only read afterwards, so one instance serves concurrent validations.
/// </summary>
public sealed class CertificateTrust
{
    private CertificateTrust(IReadOnlyList<Root> roots, IReadOnlyList<X509Crl> crls)
    {
        Roots = roots;
        Crls = crls;
        Anchors = roots.Select(r => new TrustAnchor(r.Certificate, null)).ToHashSet();
        RootIdentities = [.. roots.Select(r => r.Identity)];
    }

    public static CertificateTrust Empty { get; } = new([], []);

    internal IReadOnlyList<Root> Roots { get; }

    internal IReadOnlyList<X509Crl> Crls { get; }

    /// <summary>The roots as BouncyCastle trust anchors; PkixParameters copies the set, so sharing it is safe.</summary>
    internal ISet<TrustAnchor> Anchors { get; }

    public int RootCount => Roots.Count;

    public int CrlCount => Crls.Count;

    /// <summary>The identities of the roots, for reports and <c>GET /v1/trust</c>.</summary>
    public IReadOnlyList<CertificateIdentity> RootIdentities { get; }

    /// <summary>Roots and CRLs as DER; throws <see cref="AnchorException"/> (malformed) naming the first that does not parse.</summary>
    public static CertificateTrust Create(IEnumerable<byte[]> roots, IEnumerable<byte[]>? crls = null)
    {
        var parsedRoots = roots.Select((der, i) => CertificateDer.TryCertificate(der, out var certificate)
            ? new Root(certificate, CertificateIdentity.Of(certificate, der))
            : throw new AnchorException(ErrorCodes.Malformed, $"provider root {i + 1} is not a DER X.509 certificate")).ToList();
        var parsedCrls = (crls ?? []).Select((der, i) => CertificateDer.TryCrl(der, out var crl) ? crl
            : throw new AnchorException(ErrorCodes.Malformed, $"CRL {i + 1} is not a DER X.509 CRL")).ToList();
        return new CertificateTrust(parsedRoots, parsedCrls);
    }

    /// <summary>A trust file's <c>providerRoots</c> (one PEM certificate each), with CRLs as DER.</summary>
    public static CertificateTrust FromPem(IEnumerable<string> rootPems, IEnumerable<byte[]>? crls = null) =>
        Create(rootPems.Select((pem, i) => CertificatePem.Decode(pem, $"providerRoots[{i}]")), crls);

    internal sealed record Root(X509Certificate Certificate, CertificateIdentity Identity);
}
