namespace Anchor.Core.Records;

/// <summary>The stable error codes of the HTTP API (DESIGN A5); clients match on these, never on text.</summary>
public static class ErrorCodes
{
    public const string Malformed = "malformed";
    public const string HashMalformed = "hash_malformed";
    public const string ProviderUnknown = "provider_unknown";
    public const string KeyUnknown = "key_unknown";
    public const string KeyRevoked = "key_revoked";
    /// <summary>A key offered for registration did not sign its registration statement (no proof of possession).</summary>
    public const string PopInvalid = "pop_invalid";
    public const string SignatureInvalid = "signature_invalid";
    public const string NonceConflict = "nonce_conflict";
    public const string TooLarge = "too_large";
    public const string RateLimited = "rate_limited";
    public const string Unauthorized = "unauthorized";
    public const string Forbidden = "forbidden";
    public const string NotFound = "not_found";

    // A provider key's certificate chain (Anchor.Core.Identity.CertificateValidator), in the order the checks run.
    public const string CertificateKeyMismatch = "certificate_key_mismatch";
    public const string CertificateUntrusted = "certificate_untrusted";
    public const string CertificateExpired = "certificate_expired";
    public const string CertificateRevoked = "certificate_revoked";
    /// <summary>503: the log's head lacks a tree the node already published (Redis lost acknowledged writes); it refuses to sequence.</summary>
    public const string LogRolledBack = "log_rolled_back";

    // The logs of a cluster (docs/api.md, "Many logs").
    /// <summary>409: the log is frozen at its size: it takes no more records or key events, and stays readable.</summary>
    public const string LogFrozen = "log_frozen";
    /// <summary>404: no log of that origin is registered in the cluster.</summary>
    public const string LogUnknown = "log_unknown";
    /// <summary>409: a log of that origin exists already.</summary>
    public const string LogExists = "log_exists";
    /// <summary>400: the origin cannot name a log (its rules: docs/api.md).</summary>
    public const string OriginInvalid = "origin_invalid";
    /// <summary>409: every log is frozen: create one before registering (or moving) a provider.</summary>
    public const string NoOpenLog = "no_open_log";
    public const string RootLogRequired = "root_log_required";
    /// <summary>409: a record reached the sequencer of another log than its provider's (its key entry is in that other log).</summary>
    public const string LogMismatch = "log_mismatch";
}

/// <summary>Input that Anchor refuses, with the code the API reports and a one-line reason.</summary>
public sealed class AnchorException(string code, string detail) : Exception(detail)
{
    public string Code { get; } = code;
    public string Detail => Message;
}
