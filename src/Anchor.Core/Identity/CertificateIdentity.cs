using System.Globalization;
using System.Text;
using Anchor.Core.Records;
using Anchor.Core.Verification;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// Who a certificate names and who vouches for it, as a report prints it. Reading it checks nothing: whether a chain
/// deserves belief is <see cref="CertificateValidator"/>'s answer.
/// </summary>
/// <param name="Subject">The subject DN in certificate order, e.g. <c>C=CN,O=Acme,CN=Acme signing</c>.</param>
/// <param name="CommonName">The subject's first CN, if any.</param>
/// <param name="Organization">The subject's first O, if any.</param>
/// <param name="CreditCode">The unified social credit code, when the certificate carries one (see <see cref="Identity.CreditCode"/>).</param>
/// <param name="SerialNumber">The certificate's serial number, lowercase hex of its unsigned big-endian bytes.</param>
/// <param name="Issuer">The issuer DN, in certificate order.</param>
/// <param name="Fingerprint">SHA-256 of the certificate's DER, lowercase hex.</param>
public sealed record CertificateIdentity(
    string Subject,
    string? CommonName,
    string? Organization,
    string? CreditCode,
    string SerialNumber,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Fingerprint)
{
    /// <summary>
    /// Where Chinese CAs write the code besides the subject's organizationIdentifier (2.5.4.97, "NTRCN-…" in the eIDAS
    /// style) and serialNumber (2.5.4.5, as EV certificates do): the enterprise extensions of GM/T 0015 and the
    /// e-government certificate format (1.2.156.10260.4.1.3 registration number, .4 organisation code, .5 tax number,
    /// all replaced by the code since 2015), and the same three under 1.2.86.11.7, used by some CAs for RSA certificates.
    /// </summary>
    private static readonly DerObjectIdentifier[] CreditCodeExtensions =
    [
        new("1.2.156.10260.4.1.4"), new("1.2.156.10260.4.1.3"), new("1.2.156.10260.4.1.5"),
        new("1.2.86.11.7.4"), new("1.2.86.11.7.3"), new("1.2.86.11.7.5"),
    ];

    /// <summary>Reads a DER certificate; throws <see cref="AnchorException"/> (malformed) when it is not one.</summary>
    public static CertificateIdentity Read(byte[] der) =>
        CertificateDer.TryCertificate(der, out var certificate) ? Of(certificate, der)
            : throw new AnchorException(ErrorCodes.Malformed, "not a DER X.509 certificate");

    internal static CertificateIdentity Of(X509Certificate certificate, byte[] der)
    {
        var subject = certificate.SubjectDN;
        return new CertificateIdentity(
            Printable(subject.ToString()),
            First(subject, X509Name.CN),
            First(subject, X509Name.O),
            FindCreditCode(certificate),
            Hex.Encode(certificate.SerialNumber.ToByteArrayUnsigned()),
            Printable(certificate.IssuerDN.ToString()),
            new DateTimeOffset(certificate.NotBefore, TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter, TimeSpan.Zero),
            CertificatePem.Fingerprint(der));
    }

    /// <summary>One line for a report: <c>CN=…, O=…, USCC …, certificate serial …, issued by …</c>.</summary>
    public string Describe()
    {
        var line = new StringBuilder();
        if (CommonName is not null) line.Append("CN=").Append(CommonName).Append(", ");
        if (Organization is not null) line.Append("O=").Append(Organization).Append(", ");
        if (CommonName is null && Organization is null) line.Append(Subject).Append(", ");
        if (CreditCode is not null) line.Append("USCC ").Append(CreditCode).Append(", ");
        return line.Append("certificate serial ").Append(SerialNumber).Append(", issued by ").Append(Issuer).ToString();
    }

    /// <summary>
    /// Certificate text is chosen by a CA, or by a forger: control and format characters (line breaks, bidi overrides)
    /// are written as \uXXXX, so that a name can neither start a line of its own in a report nor reorder one.
    /// </summary>
    internal static string Printable(string text)
    {
        if (!text.Any(Unprintable)) return text;
        var printable = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unprintable(c)) printable.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else printable.Append(c);
        }
        return printable.ToString();
    }

    private static bool Unprintable(char c) => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format;

    private static string? First(X509Name name, DerObjectIdentifier attribute) => name.GetValueList(attribute) is [var first, ..] ? Printable(first) : null;

    private static string? FindCreditCode(X509Certificate certificate)
    {
        foreach (var attribute in new[] { X509Name.OrganizationIdentifier, X509Name.SerialNumber })
            foreach (var value in certificate.SubjectDN.GetValueList(attribute))
                if (Identity.CreditCode.Find(value) is { } code) return code;
        foreach (var oid in CreditCodeExtensions)
            if (certificate.GetExtensionValue(oid) is { } extension && Identity.CreditCode.Find(ExtensionText(extension.GetOctets())) is { } code)
                return code;
        return null;
    }

    /// <summary>These extensions hold a DER string in most certificates and the bare characters in some.</summary>
    private static string ExtensionText(byte[] octets)
    {
        try
        {
            if (Asn1Object.FromByteArray(octets) is IAsn1String text) return text.GetString();
        }
        catch (Exception) // not ASN.1 (BouncyCastle throws several types): the bare characters
        {
        }
        return Encoding.UTF8.GetString(octets);
    }
}
