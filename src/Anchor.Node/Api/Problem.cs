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

    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.Malformed or ErrorCodes.HashMalformed or ErrorCodes.ProviderUnknown or ErrorCodes.KeyUnknown
            or ErrorCodes.SignatureInvalid => StatusCodes.Status400BadRequest,
        ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.KeyRevoked or ErrorCodes.Forbidden => StatusCodes.Status403Forbidden,
        ErrorCodes.NotFound => StatusCodes.Status404NotFound,
        ErrorCodes.NonceConflict or ProviderExists or KeyExists => StatusCodes.Status409Conflict,
        ErrorCodes.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        Unavailable or ErrorCodes.LogRolledBack or StorageInconsistent => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    public static IResult Result(string code, string detail, int? status = null)
    {
        var s = status ?? StatusOf(code);
        var body = new JsonObject
        {
            ["type"] = "urn:anchor:error:" + code,
            ["title"] = code.Replace('_', ' '),
            ["status"] = s,
            ["detail"] = detail,
            ["code"] = code,
        };
        return Results.Text(body.ToJsonString(), "application/problem+json", System.Text.Encoding.UTF8, s);
    }
}
