using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Anchor.Node.Api;

/// <summary>
/// The CA certificates and CRLs the node accepts for provider identities, read from the folders
/// <c>Anchor:Trust:ProviderRoots</c> and <c>Anchor:Trust:Crls</c> on every use, so that files added there count at once.
/// Files hold PEM (any number of blocks) or one DER object.
/// </summary>
public sealed class ProviderRoots(IOptions<AnchorOptions> options)
{
    /// <summary>The root certificates, DER, in file-name order.</summary>
    public IReadOnlyList<byte[]> Certificates() => Read(options.Value.Trust.ProviderRoots, "CERTIFICATE");

    /// <summary>The CRLs, DER, in file-name order.</summary>
    public IReadOnlyList<byte[]> Crls() => Read(options.Value.Trust.Crls, "X509 CRL");

    private static List<byte[]> Read(string folder, string label)
    {
        var result = new List<byte[]>();
        if (folder.Length == 0 || !Directory.Exists(folder)) return result;
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(file);
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            var found = false;
            var rest = text.AsSpan();
            while (PemEncoding.TryFind(rest, out var fields))
            {
                if (rest[fields.Label].SequenceEqual(label)) { result.Add(Convert.FromBase64String(rest[fields.Base64Data].ToString())); found = true; }
                rest = rest[fields.Location.End.Value..];
            }
            // Not PEM: a DER file (a SEQUENCE) is taken as it is; anything else in the folder is not a certificate and is skipped.
            if (!found && !text.Contains("-----BEGIN", StringComparison.Ordinal) && bytes.Length > 0 && bytes[0] == 0x30) result.Add(bytes);
        }
        return result;
    }
}
