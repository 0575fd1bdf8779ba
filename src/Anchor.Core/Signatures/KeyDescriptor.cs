namespace Anchor.Core.Signatures;

/// <summary>
/// The wire description of a provider key, as registered through the admin API and carried as <c>providerKey</c> in a
/// proof bundle (DESIGN A2, A3, A5): <c>{ "alg", "publicKey" | "address", "certificates"? }</c>.
/// This is only the shape; <see cref="SignatureVerifier.TryCreate"/> decides whether the key material is valid.
/// </summary>
/// <param name="PublicKey">Standard base64: raw 32 bytes for ed25519, DER SubjectPublicKeyInfo for the others.</param>
/// <param name="Address">0x-hex Ethereum address, for eth-personal only.</param>
/// <param name="Certificates">Base64 DER X.509 certificates, leaf first; the leaf's key is the signing key.</param>
public sealed partial record KeyDescriptor(
    SignatureAlg Alg,
    string? PublicKey = null,
    string? Address = null,
    IReadOnlyList<string>? Certificates = null)
{
    // Certificates compare by content: a record would otherwise compare the list reference.
    public bool Equals(KeyDescriptor? other) =>
        other is not null
        && Alg == other.Alg
        && PublicKey == other.PublicKey
        && Address == other.Address
        && (Certificates is null ? other.Certificates is null : other.Certificates is not null && Certificates.SequenceEqual(other.Certificates));

    public override int GetHashCode() => HashCode.Combine(Alg, PublicKey, Address, Certificates?.Count);
}
