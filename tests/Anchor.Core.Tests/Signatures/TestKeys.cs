using System.Collections.Concurrent;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary>One generated key per scheme for the whole test run: a 3072-bit RSA key takes a while to find.</summary>
internal static class TestKeys
{
    private static readonly ConcurrentDictionary<SignatureAlg, Lazy<SigningKey>> Keys = new();

    public static SigningKey For(SignatureAlg alg) => Keys.GetOrAdd(alg, a => new Lazy<SigningKey>(() => SigningKey.Generate(a))).Value;

    public static SignatureVerifier VerifierFor(SignatureAlg alg) => Verifier(For(alg).Descriptor);

    public static SignatureVerifier Verifier(KeyDescriptor descriptor)
    {
        Assert.True(SignatureVerifier.TryCreate(descriptor, out var verifier, out var error), error);
        return verifier;
    }

    public static TheoryData<SignatureAlg> AllAlgs() => [.. SignatureAlgs.All];

    public static byte[] Flip(byte[] bytes, int bit)
    {
        var copy = (byte[])bytes.Clone();
        copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }
}
