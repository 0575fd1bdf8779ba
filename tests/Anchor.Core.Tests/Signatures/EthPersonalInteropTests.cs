using System.Numerics;
using System.Text;
using Anchor.Core.Signatures;
using Nethereum.Signer;

namespace Anchor.Core.Tests.Signatures;

/// <summary>eth-personal against Nethereum (an independent EIP-191 implementation) and published Ethereum vectors.</summary>
public class EthPersonalInteropTests
{
    private const string Statement = "anchor-evidence:v1\n{\"evidence\":{\"hash\":\"00\"},\"keyId\":\"k1\",\"provider\":\"p\"}";

    private static SignatureVerifier VerifierFor(EthECKey key) =>
        TestKeys.Verifier(new(SignatureAlg.EthPersonal, Address: key.GetPublicAddress()));

    [Fact]
    public void Nethereum_EncodeUTF8AndSign_verifies()
    {
        var key = EthECKey.GenerateKey();
        var signature = Hex.Decode(new EthereumMessageSigner().EncodeUTF8AndSign(Statement, key), allowPrefix: true);
        Assert.Equal(65, signature.Length);
        var verifier = VerifierFor(key);
        Assert.True(verifier.Verify(Encoding.UTF8.GetBytes(Statement), signature));
        Assert.False(verifier.Verify(Encoding.UTF8.GetBytes(Statement + " "), signature));
        Assert.False(VerifierFor(EthECKey.GenerateKey()).Verify(Encoding.UTF8.GetBytes(Statement), signature));
    }

    [Fact]
    public void Nethereum_Sign_of_binary_message_verifies()
    {
        var key = EthECKey.GenerateKey();
        var message = new byte[300];
        Random.Shared.NextBytes(message);
        var signature = Hex.Decode(new EthereumMessageSigner().Sign(message, key), allowPrefix: true);
        Assert.True(VerifierFor(key).Verify(message, signature));
    }

    [Fact]
    public void Our_signature_recovers_our_address_in_Nethereum()
    {
        var key = TestKeys.For(SignatureAlg.EthPersonal);
        var signature = "0x" + Hex.Encode(key.Sign(Encoding.UTF8.GetBytes(Statement)));
        var recovered = new EthereumMessageSigner().EncodeUTF8AndEcRecover(Statement, signature);
        Assert.Equal(key.Descriptor.Address, recovered); // both EIP-55 checksummed
    }

    [Fact]
    public void Address_derivation_and_signature_match_Nethereum_for_the_same_secret()
    {
        var nethereum = EthECKey.GenerateKey();
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.EthPersonal, nethereum.GetPrivateKeyAsBytes(), out var ours, out var error), error);
        using (ours)
        {
            Assert.Equal(nethereum.GetPublicAddress(), ours.Descriptor.Address);
            // Both use RFC 6979 nonces and low s, so the signatures are byte-identical.
            Assert.Equal(new EthereumMessageSigner().EncodeUTF8AndSign(Statement, nethereum), "0x" + Hex.Encode(ours.Sign(Encoding.UTF8.GetBytes(Statement))));
        }
    }

    [Fact]
    public void Web3js_documented_account_and_signature()
    {
        // web3.js docs, web3.eth.accounts.privateKeyToAccount and accounts.sign('Some data', key).
        var secret = Hex.Decode("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        Assert.True(SigningKey.TryFromPrivateKey(SignatureAlg.EthPersonal, secret, out var key, out var error), error);
        using (key)
        {
            Assert.Equal("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", key.Descriptor.Address);
            const string signature = "b91467e570a6466aa9e9876cbcd013baba02900b8979d43fe208a4a4f339f5fd6007e74cd82e037b800186422fc2da167c747ef045e5d18a5f5d4300f8e1a0291c";
            Assert.Equal(signature, Hex.Encode(key.Sign("Some data"u8)));
            Assert.True(TestKeys.Verifier(key.Descriptor).Verify("Some data"u8, Hex.Decode(signature)));
        }
        Span<byte> digest = stackalloc byte[32];
        EthereumPersonalMessage.Hash("Some data"u8, digest);
        Assert.Equal("1da44b586eb0729ff70a73c326926f6ed5a25f5b056e7f47fbc6e58d86871655", Hex.Encode(digest));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(12345)]
    public void Personal_message_digest_matches_Nethereum_across_length_digits(int length)
    {
        var message = new byte[length];
        Random.Shared.NextBytes(message);
        Span<byte> ours = stackalloc byte[32];
        EthereumPersonalMessage.Hash(message, ours);
        Assert.Equal(new EthereumMessageSigner().HashPrefixedMessage(message), ours.ToArray());
    }

    [Fact]
    public void Keccak256_is_not_sha3()
    {
        Span<byte> digest = stackalloc byte[32];
        Keccak256.Hash([], digest);
        Assert.Equal("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Hex.Encode(digest));
    }

    [Theory]
    // EIP-55's own examples: all caps, all lower, and mixed.
    [InlineData("0x52908400098527886E0F7030069857D2E4169EE7")]
    [InlineData("0x8617E340B3D01FA5F11F306F4090FD50E238070D")]
    [InlineData("0xde709f2102306220921060314715629080e2fb77")]
    [InlineData("0x27b1fdb04752bbc536007a920d24acb045561c26")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Eip55_checksums(string address)
    {
        Assert.Equal(address, EthereumAddress.ToChecksummed(Hex.Decode(address, allowPrefix: true)));
        Assert.True(EthereumAddress.TryParse(address, out var bytes, out var error), error);
        Assert.Equal(address.ToLowerInvariant(), "0x" + Hex.Encode(bytes));
    }

    [Fact]
    public void Recovery_id_may_be_27_28_or_0_1_and_nothing_else()
    {
        var key = EthECKey.GenerateKey();
        var message = Encoding.UTF8.GetBytes(Statement);
        var signature = Hex.Decode(new EthereumMessageSigner().EncodeUTF8AndSign(Statement, key), allowPrefix: true);
        var verifier = VerifierFor(key);
        Assert.Contains(signature[64], new byte[] { 27, 28 });

        var bare = (byte[])signature.Clone();
        bare[64] -= 27;
        Assert.True(verifier.Verify(message, bare));

        foreach (var v in new byte[] { 2, 3, 26, 29, 30, 37, 38, 255 })
        {
            var other = (byte[])signature.Clone();
            other[64] = v;
            Assert.False(verifier.Verify(message, other), $"v = {v}");
        }
        var swapped = (byte[])signature.Clone();
        swapped[64] = (byte)(signature[64] == 27 ? 28 : 27);
        Assert.False(verifier.Verify(message, swapped));
    }

    [Fact]
    public void High_s_twin_is_accepted_as_ecrecover_accepts_it()
    {
        var key = EthECKey.GenerateKey();
        var message = Encoding.UTF8.GetBytes(Statement);
        var signature = Hex.Decode(new EthereumMessageSigner().EncodeUTF8AndSign(Statement, key), allowPrefix: true);
        var n = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new BigInteger(signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twin = (byte[])signature.Clone();
        (n - s).TryWriteBytes(twin.AsSpan(32, 32), out _, isUnsigned: true, isBigEndian: true);
        twin[64] = (byte)(signature[64] == 27 ? 28 : 27); // negating s negates R's y parity
        Assert.True(VerifierFor(key).Verify(message, twin));
        Assert.Equal(key.GetPublicAddress(), new EthereumMessageSigner().EncodeUTF8AndEcRecover(Statement, "0x" + Hex.Encode(twin)));
    }
}
