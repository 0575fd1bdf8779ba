using System.Security.Cryptography;
using System.Text;
using Anchor.Core.Records;

namespace Anchor.Core.Identity;

/// <summary>
/// The content of a certificate or CRL file as operators keep them: DER, or PEM with one or more blocks. The caller
/// reads the file; this only decodes bytes, so that the node's folders and the trust file's PEM strings share one reading.
/// </summary>
public static class CertificateFile
{
    /// <summary>The DER certificates in a file; throws <see cref="AnchorException"/> (malformed) naming <paramref name="what"/>.</summary>
    public static IReadOnlyList<byte[]> Certificates(byte[] content, string what) =>
        Blocks(content, "CERTIFICATE", what, der => CertificateDer.TryCertificate(der, out _));

    /// <summary>The DER CRLs in a file (PEM label <c>X509 CRL</c>); throws <see cref="AnchorException"/> (malformed).</summary>
    public static IReadOnlyList<byte[]> Crls(byte[] content, string what) =>
        Blocks(content, "X509 CRL", what, der => CertificateDer.TryCrl(der, out _));

    private static List<byte[]> Blocks(byte[] content, string label, string what, Func<byte[], bool> parses)
    {
        var text = LooksLikePem(content) ? Encoding.ASCII.GetString(content) : null;
        var blocks = new List<byte[]>();
        if (text is null) blocks.Add(content);
        else
        {
            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                var found = rest[fields.Label].ToString();
                if (found != label) throw new AnchorException(ErrorCodes.Malformed, $"{what}: PEM block {blocks.Count + 1} is '{found}', want '{label}'");
                blocks.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
                rest = rest[fields.Location.End..];
            }
            if (blocks.Count == 0) throw new AnchorException(ErrorCodes.Malformed, $"{what}: no PEM '{label}' block");
        }
        for (var i = 0; i < blocks.Count; i++)
            if (!parses(blocks[i]))
                throw new AnchorException(ErrorCodes.Malformed, text is null ? $"{what}: not a DER {label} (nor PEM)" : $"{what}: PEM block {i + 1} is not a {label}");
        return blocks;
    }

    /// <summary>DER starts with a SEQUENCE tag (0x30); PEM text starts with "-----BEGIN", possibly after whitespace or a comment.</summary>
    private static bool LooksLikePem(byte[] content) => content.Length > 0 && content[0] != 0x30;
}
