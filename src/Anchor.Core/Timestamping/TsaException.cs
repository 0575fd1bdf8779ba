namespace Anchor.Core.Timestamping;

/// <summary>Why a TSA's reply or token was refused; metrics count refusals by these names.</summary>
public enum TsaFailure
{
    /// <summary>The TSA did not answer (connection refused, timeout).</summary>
    Unreachable,
    /// <summary>The TSA answered HTTP, but not with a time-stamp reply (status code, content type, size).</summary>
    Http,
    /// <summary>The reply's PKIStatus is neither granted nor grantedWithMods.</summary>
    Status,
    /// <summary>The reply or token is not DER the formats allow, or lacks the signer certificate.</summary>
    Malformed,
    /// <summary>The token time-stamps another hash, or the same hash under another algorithm.</summary>
    Imprint,
    /// <summary>The token's nonce is not the one the query sent: a replayed or mixed-up answer.</summary>
    Nonce,
    /// <summary>The token names another policy than the one asked for.</summary>
    Policy,
    /// <summary>The signer certificate lacks the one critical id-kp-timeStamping extended key usage (RFC 3161 2.3).</summary>
    Eku,
    /// <summary>The signature, the ESSCertID(v2) naming the signer certificate, or its validity at genTime does not verify.</summary>
    Signature,
    /// <summary>The signer certificate does not chain to a trusted TSA root at genTime.</summary>
    Untrusted,
}

/// <summary>A refused time-stamp reply or token, with the reason metrics and reports name.</summary>
public sealed class TsaException(TsaFailure reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public TsaFailure Reason { get; } = reason;

    /// <summary>The reason as metrics label it: lower case, stable.</summary>
    public static string Label(TsaFailure reason) => reason.ToString().ToLowerInvariant();
}
