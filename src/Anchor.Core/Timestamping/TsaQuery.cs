using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;

namespace Anchor.Core.Timestamping;

/// <summary>
/// One RFC 3161 TimeStampReq, and the check of the TimeStampResp that answers it. The query asks for the TSA's
/// certificate (certReq) and carries a random nonce; <see cref="Accept"/> returns the token only once every check
/// passed, so a node never stores a token it would not itself accept.
/// </summary>
public sealed class TsaQuery
{
    /// <summary>Random bits per nonce: RFC 3161 asks for "a large random number with a high probability" of being unique.</summary>
    private const int NonceBytes = 16;

    private readonly Rfc3161TimestampRequest _request;

    private TsaQuery(string hashAlg, byte[] digest, string? policy, Rfc3161TimestampRequest request)
    {
        HashAlg = hashAlg;
        Digest = digest;
        Policy = policy;
        _request = request;
    }

    public string HashAlg { get; }
    public byte[] Digest { get; }
    public string? Policy { get; }

    /// <summary>The nonce as the query encodes it (a positive INTEGER's content octets).</summary>
    public ReadOnlyMemory<byte> Nonce => _request.GetNonce() ?? ReadOnlyMemory<byte>.Empty;

    public static TsaQuery Create(string hashAlg, byte[] digest, string? policy)
    {
        var request = Rfc3161TimestampRequest.CreateFromHash(digest, new Oid(TsaHashAlg.Oid(hashAlg)),
            policy is null ? null : new Oid(policy), RandomNumberGenerator.GetBytes(NonceBytes), requestSignerCertificates: true);
        return new TsaQuery(hashAlg, digest, policy, request);
    }

    /// <summary>The DER to POST as <c>application/timestamp-query</c>.</summary>
    public byte[] Encode() => _request.Encode();

    /// <summary>
    /// The token of a TimeStampResp, once it passed, in this order: status granted; a token that parses and carries its
    /// signer certificate; the imprint and nonce of this query (and its policy, when one was asked for); the
    /// timeStamping EKU, the signature and ESSCertID(v2); and, when <paramref name="roots"/> are given, a chain to them.
    /// Throws <see cref="TsaException"/> naming the first check that failed.
    /// </summary>
    public TsaToken Accept(ReadOnlySpan<byte> reply, IReadOnlyList<byte[]> roots)
    {
        var token = TsaToken.Read(TokenOf(reply).Span);
        token.CheckImprint(HashAlg, Digest);
        if (!SameInteger(token.Nonce, Nonce.Span))
            throw new TsaException(TsaFailure.Nonce, $"the token's nonce {Hex(token.Nonce)} is not the query's {Convert.ToHexStringLower(Nonce.Span)}");
        if (Policy is not null && token.Policy != Policy)
            throw new TsaException(TsaFailure.Policy, $"the token is under policy {token.Policy}, the query asked for {Policy}");
        token.CheckSignature();
        if (roots.Count > 0) token.CheckChain(roots);
        return token;
    }

    /// <summary>
    /// The TimeStampToken of a granted reply, as the TSA encoded it:
    /// <code>
    /// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    /// PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL, failInfo PKIFailureInfo OPTIONAL }
    /// PKIStatus ::= INTEGER { granted (0), grantedWithMods (1), rejection (2), waiting (3), revocationWarning (4), revocationNotification (5) }
    /// </code>
    /// </summary>
    private static ReadOnlyMemory<byte> TokenOf(ReadOnlySpan<byte> reply)
    {
        try
        {
            var outer = new AsnReader(reply.ToArray(), AsnEncodingRules.DER);
            var response = outer.ReadSequence();
            outer.ThrowIfNotEmpty();
            var statusInfo = response.ReadSequence();
            var status = statusInfo.ReadInteger();
            if (status != 0 && status != 1)
            {
                var text = new List<string>();
                if (statusInfo.HasData && statusInfo.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
                {
                    var strings = statusInfo.ReadSequence();
                    while (strings.HasData) text.Add(strings.ReadCharacterString(UniversalTagNumber.UTF8String));
                }
                throw new TsaException(TsaFailure.Status, $"the TSA refused: PKIStatus {status}{(text.Count > 0 ? " (" + string.Join("; ", text) + ")" : "")}");
            }
            if (!response.HasData) throw new TsaException(TsaFailure.Malformed, "the reply is granted but holds no token");
            var token = response.ReadEncodedValue();
            response.ThrowIfNotEmpty();
            return token;
        }
        catch (AsnContentException e)
        {
            throw new TsaException(TsaFailure.Malformed, $"the reply is not a DER TimeStampResp: {e.Message}", e);
        }
    }

    /// <summary>Nonces are INTEGERs: equal when their values are, whatever leading zero octet the encoder added.</summary>
    private static bool SameInteger(byte[]? a, ReadOnlySpan<byte> b) =>
        a is not null && b.Length > 0 && new BigInteger(a, isUnsigned: true, isBigEndian: true) == new BigInteger(b, isUnsigned: true, isBigEndian: true);

    private static string Hex(byte[]? bytes) => bytes is null ? "(none)" : Convert.ToHexStringLower(bytes);
}
