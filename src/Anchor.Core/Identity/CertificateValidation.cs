namespace Anchor.Core.Identity;

/// <summary>
/// The answer of <see cref="CertificateValidator"/>: valid, or the first failed check as a stable code
/// (<c>certificate_key_mismatch</c>, <c>certificate_untrusted</c>, <c>certificate_expired</c>, <c>certificate_revoked</c>)
/// with one human line.
/// </summary>
public sealed record CertificateValidation
{
    /// <summary>Null when the chain is valid, else one of the <c>ErrorCodes.Certificate*</c> codes.</summary>
    public string? Code { get; init; }

    /// <summary>One line: what was established, or which certificate failed which check and the values compared.</summary>
    public required string Detail { get; init; }

    /// <summary>The leaf's identity, whenever the leaf parses (also on failure, so a report can say whom the failure concerns).</summary>
    public CertificateIdentity? Leaf { get; init; }

    /// <summary>The trusted root the chain was built to; null when no path to a trusted root was found.</summary>
    public CertificateIdentity? Root { get; init; }

    /// <summary>Every certificate below the root had a verified CRL of its issuer: revocation was checked, not assumed.</summary>
    public bool RevocationChecked { get; init; }

    /// <summary>What was given but not used, and why (a CRL that does not verify under its issuer's key, for instance).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public bool Valid => Code is null;
}
