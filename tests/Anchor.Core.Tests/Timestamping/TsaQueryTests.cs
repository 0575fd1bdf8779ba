using System.Security.Cryptography;
using System.Text;
using Anchor.Core.Timestamping;

namespace Anchor.Core.Tests.Timestamping;

/// <summary>
/// What the node accepts from a TSA: real OpenSSL tokens pass every check (and `openssl ts -verify` agrees); replies
/// that answer another hash, another nonce, come from a signer without the timeStamping EKU, were refused, tampered
/// with or signed under an untrusted root are each refused with their own reason.
/// </summary>
public sealed class TsaQueryTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("test.anchor/log\n7\nq7mSz4N9uCEhx+JB0Y3I5m8AvZyH6mF3hCy8nqm6y2w=\n");

    [Theory]
    [InlineData(TsaHashAlg.Sha256)]
    [InlineData(TsaHashAlg.Sm3)]
    public async Task TheDevelopmentTsaTokensPassEveryCheckAndOpenSslAgrees(string hashAlg)
    {
        await using var tsa = await DevTsa.StartAsync(TestData.RepoRoot);
        var digest = TsaHashAlg.Digest(hashAlg, Body);
        var query = TsaQuery.Create(hashAlg, digest, null);
        var token = query.Accept(await tsa.ReplyAsync(query.Encode()), [Anchor.Core.Verification.CertificatePem.Decode(tsa.RootPem, "root")]);

        Assert.Equal(TsaHashAlg.Oid(hashAlg), token.HashOid);
        Assert.Equal(digest, token.Imprint);
        Assert.Equal("ESSCertIDv2", token.CertIdKind);
        Assert.Equal(TimeSpan.FromSeconds(1), token.Accuracy);
        Assert.Contains("no court accepts it", token.Signer.Subject, StringComparison.Ordinal);
        Assert.InRange(token.GenTime, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        var (exit, output) = await OpenSslTs.VerifyAsync(token.Der, digest, tsa.RootFile);
        Assert.True(exit == 0, output);
        Assert.Contains("Verification: OK", output, StringComparison.Ordinal);

        // The same token against another root is refused by both.
        var other = TestTsa.Ecdsa("Another");
        Assert.Equal(TsaFailure.Untrusted, Assert.Throws<TsaException>(() => token.CheckChain([other.RootDer])).Reason);
        var otherRoot = Path.GetTempFileName();
        await File.WriteAllTextAsync(otherRoot, other.RootPem);
        Assert.NotEqual(0, (await OpenSslTs.VerifyAsync(token.Der, digest, otherRoot)).Exit);
        File.Delete(otherRoot);
    }

    public static TheoryData<TsaFault, TsaFailure> Faults() => new()
    {
        { TsaFault.WrongImprint, TsaFailure.Imprint },
        { TsaFault.WrongNonce, TsaFailure.Nonce },
        { TsaFault.NoEku, TsaFailure.Eku },
        { TsaFault.Rejected, TsaFailure.Status },
        { TsaFault.OtherPolicy, TsaFailure.Policy },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public void AFaultyReplyIsRefusedWithItsReason(TsaFault fault, TsaFailure reason)
    {
        foreach (var tsa in new[] { TestTsa.Ecdsa(), TestTsa.Sm2() })
        {
            var query = TsaQuery.Create(TsaHashAlg.Sha256, SHA256.HashData(Body), "1.2.3.4.99");
            // The same TSA without the fault is accepted; it answers under the policy asked for, as RFC 3161 wants.
            Assert.Equal("1.2.3.4.99", query.Accept(tsa.Reply(query.Encode()), [tsa.RootDer]).Policy);
            tsa.Fault = fault;
            var refused = Assert.Throws<TsaException>(() => query.Accept(tsa.Reply(query.Encode()), [tsa.RootDer]));
            Assert.Equal(reason, refused.Reason);
        }
    }

    [Fact]
    public void AnSm2TsaTokenIsVerifiedByBouncyCastleWithItsChain()
    {
        var tsa = TestTsa.Sm2();
        var digest = TsaHashAlg.Digest(TsaHashAlg.Sm3, Body);
        var query = TsaQuery.Create(TsaHashAlg.Sm3, digest, TestTsa.Policy);
        var token = query.Accept(tsa.Reply(query.Encode()), [tsa.RootDer]);
        Assert.True(token.IsSm2);
        Assert.Equal("ESSCertIDv2", token.CertIdKind);
        Assert.Equal(TestTsa.Policy, token.Policy);
        Assert.Contains("Test SM2 TSA root", token.CheckChain([tsa.RootDer]), StringComparison.Ordinal);
        Assert.Equal(TsaFailure.Untrusted, Assert.Throws<TsaException>(() => token.CheckChain([TestTsa.Sm2("Other SM2").RootDer])).Reason);
    }

    /// <summary>
    /// Every byte of a token changed in turn: each change is refused, or it lies outside what the TSA signed (CMS leaves
    /// the SignedData's digestAlgorithms list unsigned) and the token still says exactly what it said.
    /// </summary>
    [Fact]
    public void ATamperedTokenIsRefusedUnlessItStillSaysTheSame()
    {
        foreach (var tsa in new[] { TestTsa.Ecdsa(), TestTsa.Sm2() })
        {
            var query = TsaQuery.Create(TsaHashAlg.Sha256, SHA256.HashData(Body), null);
            var token = query.Accept(tsa.Reply(query.Encode()), [tsa.RootDer]);
            var refused = 0;
            for (var at = 0; at < token.Der.Length; at++)
            {
                var bad = (byte[])token.Der.Clone();
                bad[at] ^= 0x20;
                TsaToken changed;
                try
                {
                    changed = TsaToken.Read(bad);
                    changed.CheckImprint(TsaHashAlg.Sha256, query.Digest);
                    changed.CheckSignature();
                    changed.CheckChain([tsa.RootDer]);
                }
                catch (TsaException)
                {
                    refused++;
                    continue;
                }
                Assert.Equal((token.GenTime, token.Serial, token.Policy, token.Accuracy), (changed.GenTime, changed.Serial, changed.Policy, changed.Accuracy));
                Assert.Equal(token.Nonce, changed.Nonce);
                Assert.Equal(token.Signer.RawData, changed.Signer.RawData);
            }
            Assert.True(refused > token.Der.Length * 95 / 100, $"only {refused} of {token.Der.Length} changes refused");
            Assert.Equal(TsaFailure.Malformed, Assert.Throws<TsaException>(() => query.Accept([0x30, 0x03, 0x02, 0x01, 0x00], [])).Reason);
        }
    }
}
