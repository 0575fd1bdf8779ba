namespace Anchor.Core.Signatures;

/// <summary>One scheme's check of a signature under one parsed public key; implementations are immutable and thread-safe.</summary>
internal interface ISchemeVerifier
{
    /// <summary>False for a wrong signature and for malformed input alike; exceptions are caught by <see cref="SignatureVerifier"/>.</summary>
    bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature);
}
