using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace Anchor.Core.Identity;

/// <summary>
/// Parses one certificate or CRL with BouncyCastle, which (unlike .NET) verifies SM2 signatures. Nothing may follow the
/// structure. BouncyCastle verifies a signature over the DER re-encoding of the signed part (X509Utilities.VerifySignature),
/// so a certificate whose signed part is BER but not DER parses here and then fails its signature check; RFC 5280
/// requires DER there, and OpenSSL, which verifies the bytes as received, would accept it.
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
