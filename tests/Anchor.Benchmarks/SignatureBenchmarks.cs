using System.Text;
using Anchor.Core.Signatures;
using BenchmarkDotNet.Attributes;
using NBitcoin.Secp256k1;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using BcEd25519 = Org.BouncyCastle.Math.EC.Rfc8032.Ed25519;

namespace Anchor.Benchmarks;

/// <summary>
/// Verification cost per scheme over a typical signed statement (the node verifies every submitted record), and the
/// library choices behind the fastest two: NSec against BouncyCastle for ed25519, NBitcoin against BouncyCastle for
/// secp256k1 public-key recovery.
/// </summary>
[MemoryDiagnoser]
public class SignatureBenchmarks
{
    /// <summary>BouncyCastle's secp256k1, with its custom field arithmetic (the fast one).</summary>
    private static readonly X9ECParameters Secp256k1 = CustomNamedCurves.GetByName("secp256k1");

    private readonly Dictionary<SignatureAlg, (SignatureVerifier Verifier, byte[] Signature)> cases = [];
    private byte[] message = [];
    private Ed25519PublicKeyParameters bcEd25519 = null!;
    private readonly byte[] digest = new byte[32];
    private readonly byte[] recoverableSignature = new byte[65];
    private SecpRecoverableECDSASignature nbitcoinRecoverable = null!;

    [GlobalSetup]
    public void Setup()
    {
        message = Encoding.UTF8.GetBytes("anchor-evidence:v1\n{\"evidence\":{\"clientTime\":\"2026-11-26T11:00:00.000Z\",\"contractId\":\"HT-2026-000123\","
            + "\"hash\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\",\"hashAlg\":\"sha256\",\"kind\":\"contract.document\","
            + "\"nonce\":\"0123456789abcdef0123456789abcdef\"},\"keyId\":\"k1\",\"provider\":\"notary-1\"}");
        foreach (var alg in SignatureAlgs.All)
        {
            using var key = SigningKey.Generate(alg);
            if (!SignatureVerifier.TryCreate(key.Descriptor, out var verifier, out var error)) throw new InvalidOperationException(error);
            var signature = key.Sign(message);
            if (!verifier.Verify(message, signature)) throw new InvalidOperationException($"{alg} does not verify its own signature");
            cases[alg] = (verifier, signature);
        }

        bcEd25519 = new Ed25519PublicKeyParameters(Convert.FromBase64String(cases[SignatureAlg.Ed25519].Verifier.Key.PublicKey!));

        // A recoverable signature over a random digest, for the two recoveries to start from the same bytes.
        Random.Shared.NextBytes(digest);
        using var secp256k1Key = Context.Instance.CreateECPrivKey(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        secp256k1Key.TrySignRecoverable(digest, out var recoverable);
        nbitcoinRecoverable = recoverable!;
        nbitcoinRecoverable.WriteToSpanCompact(recoverableSignature.AsSpan(0, 64), out var recoveryId);
        recoverableSignature[64] = (byte)recoveryId;
        if (!BouncyCastleRecover().AsSpan().SequenceEqual(NBitcoinRecover())) throw new InvalidOperationException("the two recoveries disagree");
    }

    [Benchmark] public bool Ed25519() => Verify(SignatureAlg.Ed25519);

    [Benchmark] public bool EcdsaP256Sha256() => Verify(SignatureAlg.EcdsaP256Sha256);

    [Benchmark] public bool RsaPkcs1Sha256_3072() => Verify(SignatureAlg.RsaPkcs1Sha256);

    [Benchmark] public bool Sm2Sm3() => Verify(SignatureAlg.Sm2Sm3);

    [Benchmark] public bool EthPersonal() => Verify(SignatureAlg.EthPersonal);

    /// <summary>The same ed25519 check as <see cref="Ed25519"/>, in BouncyCastle's managed code instead of libsodium.</summary>
    [Benchmark]
    public bool Ed25519_BouncyCastle() =>
        bcEd25519.Verify(BcEd25519.Algorithm.Ed25519, null, message, cases[SignatureAlg.Ed25519].Signature.AsSpan(0, 64));

    /// <summary>secp256k1 public-key recovery alone (no Keccak, no address), the core of the eth-personal verifier.</summary>
    [Benchmark]
    public byte[] Secp256k1Recover_NBitcoin() => NBitcoinRecover();

    /// <summary>The same recovery with BouncyCastle's EC arithmetic (what Nethereum uses): Q = r⁻¹(sR − eG).</summary>
    [Benchmark]
    public byte[] Secp256k1Recover_BouncyCastle() => BouncyCastleRecover();

    private bool Verify(SignatureAlg alg)
    {
        var (verifier, signature) = cases[alg];
        return verifier.Verify(message, signature);
    }

    private byte[] NBitcoinRecover()
    {
        ECPubKey.TryRecover(Context.Instance, nbitcoinRecoverable, digest, out var publicKey);
        return publicKey!.ToBytes(compressed: false);
    }

    private byte[] BouncyCastleRecover()
    {
        var signature = recoverableSignature;
        var n = Secp256k1.N;
        var r = new BigInteger(1, signature, 0, 32);
        var s = new BigInteger(1, signature, 32, 32);
        var e = new BigInteger(1, digest);
        byte[] compressedR = [(byte)(0x02 + signature[64]), .. signature.AsSpan(0, 32)]; // recovery id 0/1 is R's y parity
        var point = Secp256k1.Curve.DecodePoint(compressedR);
        var rInverse = r.ModInverse(n);
        var q = ECAlgorithms.SumOfTwoMultiplies(Secp256k1.G, e.Negate().Multiply(rInverse).Mod(n), point, s.Multiply(rInverse).Mod(n)).Normalize();
        return q.GetEncoded(compressed: false);
    }
}
