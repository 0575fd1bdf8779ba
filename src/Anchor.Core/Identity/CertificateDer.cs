using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// Parses one DER certificate or CRL with BouncyCastle, which (unlike .NET) reads SM2 certificates. Nothing may follow
/// the structure; the encoding need not be canonical DER, since re-encoding a CA's output would change what it signed.
/// </summary>
internal static class CertificateDer
{
    public static bool TryCertificate(byte[] der, [NotNullWhen(true)] out X509Certificate? certificate)
    {
        certificate = null;
        try
        {
            certificate = new X509Certificate(X509CertificateStructure.GetInstance(Asn1Object.FromByteArray(der)));
            return true;
        }
        catch (Exception) // BouncyCastle reports malformed input with several exception types; all mean "not a certificate".
        {
            return false;
        }
    }

    public static bool TryCrl(byte[] der, [NotNullWhen(true)] out X509Crl? crl)
    {
        crl = null;
        try
        {
            crl = new X509Crl(CertificateList.GetInstance(Asn1Object.FromByteArray(der)));
            return true;
        }
        catch (Exception) // as above
        {
            return false;
        }
    }
}
