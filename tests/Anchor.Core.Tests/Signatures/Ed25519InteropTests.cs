using System.Text;
using Anchor.Core.Signatures;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Anchor.Core.Tests.Signatures;

/// <summary>Our NSec-based ed25519 against RFC 8032's vectors and BouncyCastle's independent implementation.</summary>
public class Ed25519InteropTests
{
    [Theory]
    // RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
    [InlineData("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    public void Rfc8032_vectors(string seed, string publicKey, string message, string signature)
    {
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Ed25519, Hex.Decode(seed), out var key, out var error), error);
        using (key)
        {
            Assert.Equal(Convert.ToBase64String(Hex.Decode(publicKey)), key.Descriptor.PublicKey);
            Assert.Equal(signature, Hex.Encode(key.Sign(Hex.Decode(message))));
        }
        var verifier = TestKeys.Verifier(new(SignatureAlg.Ed25519, Convert.ToBase64String(Hex.Decode(publicKey))));
        Assert.True(verifier.Verify(Hex.Decode(message), Hex.Decode(signature)));
    }

    [Fact]
    public void BouncyCastle_signature_verifies_with_ours_and_ours_with_BouncyCastle()
    {
        var message = Encoding.UTF8.GetBytes("anchor-receipt:v1\n{}");
        var bcPrivate = new Ed25519PrivateKeyParameters(new SecureRandom());
        var bcSigner = new Ed25519Signer();
        bcSigner.Init(true, bcPrivate);
        bcSigner.BlockUpdate(message);
        var bcSignature = bcSigner.GenerateSignature();

        var publicKey = Convert.ToBase64String(bcPrivate.GeneratePublicKey().GetEncoded());
        Assert.True(TestKeys.Verifier(new(SignatureAlg.Ed25519, publicKey)).Verify(message, bcSignature));

        // The same seed in our key signs identically (ed25519 is deterministic) and BouncyCastle accepts it.
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.Ed25519, bcPrivate.GetEncoded(), out var ours, out var error), error);
        using (ours)
        {
            Assert.Equal(publicKey, ours.Descriptor.PublicKey);
            var ourSignature = ours.Sign(message);
            Assert.Equal(bcSignature, ourSignature);
            var bcVerifier = new Ed25519Signer();
            bcVerifier.Init(false, new Ed25519PublicKeyParameters(Convert.FromBase64String(ours.Descriptor.PublicKey!)));
            bcVerifier.BlockUpdate(message);
            Assert.True(bcVerifier.VerifySignature(ourSignature));
        }
    }
}
