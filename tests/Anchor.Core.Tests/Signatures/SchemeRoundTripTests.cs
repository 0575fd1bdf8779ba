using System.Text;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary>Properties every scheme keeps: what it signs verifies, and any other bytes do not, without exceptions.</summary>
public class SchemeRoundTripTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("anchor-evidence:v1\n{\"evidence\":{},\"keyId\":\"k1\",\"provider\":\"p\"}");

    public static TheoryData<SignatureAlg> Algs => TestKeys.AllAlgs();

    [Theory, MemberData(nameof(Algs))]
    public void Signature_verifies_under_the_descriptor(SignatureAlg alg)
    {
        var key = TestKeys.For(alg);
        Assert.Equal(alg, key.Alg);
        Assert.Equal(alg, key.Descriptor.Alg);
        Assert.True(TestKeys.VerifierFor(alg).Verify(Message, key.Sign(Message)));
    }

    [Theory, MemberData(nameof(Algs))]
    public void Empty_and_large_messages_verify(SignatureAlg alg)
    {
        var key = TestKeys.For(alg);
        var verifier = TestKeys.VerifierFor(alg);
        var large = new byte[1 << 20];
        Random.Shared.NextBytes(large);
        Assert.True(verifier.Verify([], key.Sign([])));
        Assert.True(verifier.Verify(large, key.Sign(large)));
        Assert.False(verifier.Verify(large, key.Sign([])));
    }

    [Theory, MemberData(nameof(Algs))]
    public void Any_flipped_message_bit_fails(SignatureAlg alg)
    {
        var signature = TestKeys.For(alg).Sign(Message);
        var verifier = TestKeys.VerifierFor(alg);
        for (var bit = 0; bit < Message.Length * 8; bit += 7)
            Assert.False(verifier.Verify(TestKeys.Flip(Message, bit), signature), $"message bit {bit}");
    }

    [Theory, MemberData(nameof(Algs))]
    public void Any_flipped_signature_bit_fails(SignatureAlg alg)
    {
        var signature = TestKeys.For(alg).Sign(Message);
        var verifier = TestKeys.VerifierFor(alg);
        for (var bit = 0; bit < signature.Length * 8; bit++)
            Assert.False(verifier.Verify(Message, TestKeys.Flip(signature, bit)), $"signature bit {bit}");
    }

    [Theory, MemberData(nameof(Algs))]
    public void Wrong_length_or_garbage_signatures_fail_without_throwing(SignatureAlg alg)
    {
        var signature = TestKeys.For(alg).Sign(Message);
        var verifier = TestKeys.VerifierFor(alg);
        var garbage = new byte[signature.Length];
        Random.Shared.NextBytes(garbage);
        byte[][] wrong =
        [
            [], [0], signature[..^1], [.. signature, 0], [0, .. signature], garbage, new byte[signature.Length],
            Enumerable.Repeat((byte)0xff, signature.Length).ToArray(), new byte[4096],
        ];
        foreach (var candidate in wrong)
            Assert.False(verifier.Verify(Message, candidate), $"{candidate.Length} bytes");
    }

    [Theory, MemberData(nameof(Algs))]
    public void Signature_of_another_key_of_the_same_scheme_fails(SignatureAlg alg)
    {
        using var other = SigningKey.Generate(alg);
        Assert.False(TestKeys.VerifierFor(alg).Verify(Message, other.Sign(Message)));
    }

    [Theory, MemberData(nameof(Algs))]
    public void A_key_of_every_other_scheme_is_refused_with_a_reason(SignatureAlg alg)
    {
        foreach (var other in SignatureAlgs.All.Where(a => a != alg))
        {
            var theirs = TestKeys.For(other).Descriptor;
            var relabelled = theirs with { Alg = alg };
            Assert.False(SignatureVerifier.TryCreate(relabelled, out var verifier, out var error), $"{other} key as {alg}");
            Assert.Null(verifier);
            Assert.StartsWith(SignatureAlgs.ToWire(alg) + ":", error);
            Assert.DoesNotContain('\n', error);
        }
    }

    [Theory, MemberData(nameof(Algs))]
    public void Verifier_is_safe_to_share_between_threads(SignatureAlg alg)
    {
        var key = TestKeys.For(alg);
        var verifier = TestKeys.VerifierFor(alg);
        var messages = Enumerable.Range(0, 64).Select(i => Encoding.UTF8.GetBytes($"record {i}")).ToArray();
        var signatures = messages.Select(m => key.Sign(m)).ToArray();
        var results = new bool[messages.Length * 8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var m = i % messages.Length;
            // Odd slots pair a message with its neighbour's signature, so a mix-up between threads would show.
            results[i] = verifier.Verify(messages[m], signatures[i % 2 == 0 ? m : (m + 1) % messages.Length]) == (i % 2 == 0);
        });
        Assert.All(results, Assert.True);
    }
}
