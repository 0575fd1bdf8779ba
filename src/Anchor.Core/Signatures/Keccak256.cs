using Org.BouncyCastle.Crypto.Digests;

namespace Anchor.Core.Signatures;

/// <summary>
/// Ethereum's Keccak-256: the original Keccak padding, not FIPS 202 SHA3-256 (which .NET ships), so the two differ
/// on every input. BouncyCastle's <see cref="KeccakDigest"/> is stateful, so each thread keeps one.
/// </summary>
internal static class Keccak256
{
    public const int Size = 32;

    [ThreadStatic] private static KeccakDigest? perThread;

    private static KeccakDigest Digest => perThread ??= new KeccakDigest(256);

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        var keccak = Digest;
        keccak.BlockUpdate(data);
        keccak.DoFinal(digest); // DoFinal resets the digest for the next caller on this thread.
    }

    /// <summary>Hashes the concatenation of two parts without copying them together.</summary>
    public static void Hash(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> digest)
    {
        var keccak = Digest;
        keccak.BlockUpdate(first);
        keccak.BlockUpdate(second);
        keccak.DoFinal(digest);
    }
}
