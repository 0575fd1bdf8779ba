using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Anchor.Core.Records;

/// <summary>The digest of a document under each evidence hashAlg, as a court would recompute it.</summary>
public static class EvidenceDigest
{
    public static byte[] Compute(string hashAlg, Stream content)
    {
        IDigest digest = hashAlg switch
        {
            "sha256" => new Sha256Digest(),
            "sm3" => new SM3Digest(),
            "sha3-256" => new Sha3Digest(256),
            "keccak256" => new KeccakDigest(256),
            LedgerRow.HashAlg => throw new AnchorException(ErrorCodes.Malformed,
                $"{LedgerRow.HashAlg} is keyed with the provider's salt key: a document alone cannot be checked against it (use anchor reconcile)"),
            _ => throw new AnchorException(ErrorCodes.Malformed, $"unknown hashAlg '{hashAlg}'"),
        };
        var buffer = new byte[81920];
        int read;
        while ((read = content.Read(buffer)) > 0) digest.BlockUpdate(buffer, 0, read);
        var result = new byte[digest.GetDigestSize()];
        digest.DoFinal(result, 0);
        return result;
    }

    public static byte[] Compute(string hashAlg, byte[] content) => Compute(hashAlg, new MemoryStream(content, writable: false));
}
