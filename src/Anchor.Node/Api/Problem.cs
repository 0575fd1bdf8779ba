using System.Text.Json.Nodes;
using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>An RFC 9457 problem with Anchor's stable <c>code</c> member; thrown by handlers, written by <see cref="ProblemWriter"/>.</summary>
public sealed class ProblemException(string code, string detail, int? status = null) : Exception(detail)
{
    public string Code { get; } = code;
    public int Status { get; } = status ?? Problem.StatusOf(code);
}

public static class Problem
{
    public const string Unavailable = "unavailable";
    public const string StorageInconsistent = "storage_inconsistent";
    public const string Internal = "internal";
    public const string ProviderExists = "provider_exists";
    public const string KeyExists = "key_exists";
    /// <summary>A proof was asked for a key registration or revocation entry, which is no evidence.</summary>
    public const string NotEvidence = "not_evidence";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string UriTooLong = "uri_too_long";
    public const string HeadersTooLarge = "headers_too_large";

    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.Malformed or ErrorCodes.OriginInvalid or ErrorCodes.HashMalformed or ErrorCodes.ProviderUnknown or ErrorCodes.KeyUnknown
            or ErrorCodes.SignatureInvalid or ErrorCodes.PopInvalid or ErrorCodes.CertificateUntrusted or ErrorCodes.CertificateExpired
            or ErrorCodes.CertificateRevoked or ErrorCodes.CertificateKeyMismatch => StatusCodes.Status400BadRequest,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.KeyRevoked or ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound or ErrorCodes.LogUnknown => StatusCodes.Status404NotFound,
        ErrorCodes.NonceConflict or ProviderExists or KeyExists or ErrorCodes.LogExists or ErrorCodes.LogFrozen or ErrorCodes.NoOpenLog or ErrorCodes.RootLogRequired
            or ErrorCodes.LogMismatch => StatusCodes.Status409Conflict,
        MethodNotAllowed => StatusCodes.Status405MethodNotAllowed,
        ErrorCodes.TooLarge => StatusCodes.Status413PayloadTooLarge,
        UriTooLong => StatusCodes.Status414UriTooLong,
        UnsupportedMediaType => StatusCodes.Status415UnsupportedMediaType,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        HeadersTooLarge => StatusCodes.Status431RequestHeaderFieldsTooLarge,
        Unavailable or ErrorCodes.LogRolledBack or StorageInconsistent => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The code of an error status that the framework set without a body (routing's 404 and 405, …).</summary>
    public static string CodeOf(int status) => status switch
    {
        StatusCodes.Status400BadRequest or StatusCodes.Status408RequestTimeout or StatusCodes.Status505HttpVersionNotsupported => ErrorCodes.Malformed,
        StatusCodes.Status401Unauthorized => ErrorCodes.Unauthorized,
        StatusCodes.Status403Forbidden => ErrorCodes.Forbidden,
        StatusCodes.Status404NotFound => ErrorCodes.NotFound,
        StatusCodes.Status405MethodNotAllowed => MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ErrorCodes.TooLarge,
        StatusCodes.Status414UriTooLong => UriTooLong,
        StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ErrorCodes.RateLimited,
        StatusCodes.Status431RequestHeaderFieldsTooLarge => HeadersTooLarge,
        StatusCodes.Status503ServiceUnavailable => Unavailable,
        >= 500 => Internal,
        _ => "http_" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Client text quoted in a detail, cut to a readable length.</summary>
    public static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";

    public const string ContentType = "application/problem+json";

    public static IResult Result(string code, string detail, int? status = null)
    {
        var s = status ?? StatusOf(code);
        return Results.Text(Json(code, detail, s), ContentType, System.Text.Encoding.UTF8, s);
    }

    /// <summary>The RFC 9457 body; <c>status</c> is a JSON number, as RFC 9457 defines it.</summary>
    public static string Json(string code, string detail, int status) => new JsonObject
    {
        ["type"] = "urn:anchor:error:" + code,
        ["title"] = code.Replace('_', ' '),
        ["status"] = status,
        ["detail"] = detail,
        ["code"] = code,
    }.ToJsonString();
}
