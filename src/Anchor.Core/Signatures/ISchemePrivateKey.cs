namespace Anchor.Core.Signatures;

/// <summary>One scheme's private key: signs, and exports itself in the key file's <c>privateKey</c> form.</summary>
internal interface ISchemePrivateKey : IDisposable
{
    /// <summary>The public half in wire form, exactly what <see cref="SignatureVerifier"/> accepts.</summary>
    KeyDescriptor Descriptor { get; }

    byte[] Sign(ReadOnlySpan<byte> message);

    /// <summary>ed25519: the 32-byte seed; eth-personal: the 32-byte secret; the others: PKCS#8 DER.</summary>
    byte[] ExportPrivateKey();
}
