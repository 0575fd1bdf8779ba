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
        Unavailable => StatusCodes.Status503ServiceUnavailable,
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

/// <summary>Turns every failure into problem+json: the node answers bad input, it never crashes on it.</summary>
public sealed partial class ProblemWriter(RequestDelegate next, ILogger<ProblemWriter> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        IResult? problem;
        try
        {
            await next(context);
            return;
        }
        catch (ProblemException ex) { problem = Fail(context, ex.Code, ex.Message, ex.Status); }
        catch (AnchorException ex) { problem = Fail(context, ex.Code, ex.Detail); }
        catch (Grains.RecordRefusedException ex) { problem = Fail(context, ex.Code, ex.Detail); }
        catch (Grains.SequencerUnavailableException ex)
        {
            context.Response.Headers.RetryAfter = "1";
            problem = Fail(context, Problem.Unavailable, ex.Detail);
        }
        catch (Exception ex) when (ex is Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException
            or TimeoutException or StackExchange.Redis.RedisConnectionException or StackExchange.Redis.RedisTimeoutException)
        {
            // The cluster is changing (a silo left, the sequencer is moving) or Redis is out of reach: retry the same request.
            LogTransient(logger, ex.GetType().Name, context.Request.Method, context.Request.Path);
            context.Response.Headers.RetryAfter = "1";
            problem = Fail(context, Problem.Unavailable, "the node cannot answer right now (" + ex.GetType().Name + "); retry the same request");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            problem = Fail(context, ErrorCodes.TooLarge, ex.Message);
        }
        catch (BadHttpRequestException ex) { problem = Fail(context, ErrorCodes.Malformed, ex.Message, ex.StatusCode); }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested) { return; }
        catch (Exception ex)
        {
            LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
            problem = Fail(context, Problem.Internal, "the node failed to answer; it is logged");
        }
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        if (problem is not null) await problem.ExecuteAsync(context);
    }

    /// <summary>The problem to answer; its code is left for <see cref="Observability.SubmissionMetrics"/>.</summary>
    private static IResult Fail(HttpContext context, string code, string detail, int? status = null)
    {
        context.Items[Observability.SubmissionMetrics.ProblemCodeItem] = code;
        return Problem.Result(code, detail, status);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transient {Failure} in {Method} {Path}; answered 503")]
    private static partial void LogTransient(ILogger logger, string failure, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
