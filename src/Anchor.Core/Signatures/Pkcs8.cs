using System.Diagnostics.CodeAnalysis;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;

namespace Anchor.Core.Signatures;

/// <summary>Reads a PKCS#8 PrivateKeyInfo far enough to refuse a key of another scheme by name before a library imports it.</summary>
internal static class Pkcs8
{
    public static bool TryRead(ReadOnlySpan<byte> der, SignatureAlg expected, [NotNullWhen(true)] out PrivateKeyInfo? info, out string error)
    {
        info = null;
        var wire = SignatureAlgs.ToWire(expected);
        try
        {
            info = PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(der.ToArray()));
        }
        catch (Exception) // malformed ASN.1 surfaces as several BouncyCastle exception types
        {
            error = $"{wire}: privateKey is not a DER PKCS#8 PrivateKeyInfo";
            return false;
        }
        if (!KeyAlgorithmIdentifier.Expect(info.PrivateKeyAlgorithm, expected, out error))
        {
            error = $"{wire}: {error}";
            info = null;
            return false;
        }
        return true;
    }
}
