using Anchor.Core.Records;
using Microsoft.AspNetCore.WebUtilities;

namespace Anchor.Node.Api;

/// <summary>
/// Turns every failure into problem+json: the node answers bad input, it never crashes on it. That includes the
/// error statuses the framework sets without a body (routing's 404 and 405) and the exceptions Kestrel raises while
/// a handler reads the body. (What Kestrel refuses before the pipeline runs, <see cref="KestrelRejections"/> rewrites.)
/// </summary>
public sealed partial class ProblemWriter(RequestDelegate next, ILogger<ProblemWriter> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        IResult problem;
        try
        {
            await next(context);
            if (context.Response.StatusCode < 400 || context.Response.HasStarted) return;
            problem = Fail(context, Problem.CodeOf(context.Response.StatusCode),
                $"{context.Request.Method} {Problem.Short(context.Request.Path.Value ?? "")}: {ReasonPhrases.GetReasonPhrase(context.Response.StatusCode)}",
                context.Response.StatusCode);
        }
        catch (ProblemException ex) { problem = Fail(context, ex.Code, ex.Message, ex.Status); }
        catch (AnchorException ex) { problem = Fail(context, ex.Code, ex.Detail); }
        catch (Grains.RecordRefusedException ex) { problem = Fail(context, ex.Code, ex.Detail); }
        catch (Grains.SequencerUnavailableException ex)
        {
            // log_rolled_back does not pass by retrying: it waits for an operator, so no Retry-After.
            if (ex.Code == Problem.Unavailable) context.Response.Headers.RetryAfter = "1";
            problem = Fail(context, ex.Code, ex.Detail);
        }
        catch (InvalidDataException ex)
        {
            // Redis holds less than the head this request started from (rolled back under it), or is damaged: never a wrong answer.
            LogInconsistent(logger, ex.Message, context.Request.Method, context.Request.Path);
            problem = Fail(context, Problem.StorageInconsistent, ex.Message);
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
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's body data rate ran out: the body is shorter than its Content-Length (or trickles). The request
            // is what is wrong, so 400; 408 would tell the client to send the same bytes again.
            problem = Fail(context, ErrorCodes.Malformed, "the body ended before its Content-Length, or arrived too slowly: " + ex.Message);
        }
        catch (BadHttpRequestException ex) { problem = Fail(context, ErrorCodes.Malformed, ex.Message, ex.StatusCode >= 400 ? ex.StatusCode : null); }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested) { return; }
        catch (Exception ex)
        {
            LogUnhandled(logger, ex, context.Request.Method, context.Request.Path);
            problem = Fail(context, Problem.Internal, "the node failed to answer; it is logged");
        }
        if (context.Response.HasStarted) return;
        // Clear drops whatever a handler set on its way to the failure, but these two headers belong to the problem.
        var retryAfter = context.Response.Headers.RetryAfter;
        var allow = context.Response.Headers.Allow;
        context.Response.Clear();
        if (retryAfter.Count > 0) context.Response.Headers.RetryAfter = retryAfter;
        if (allow.Count > 0) context.Response.Headers.Allow = allow;
        await problem.ExecuteAsync(context);
    }

    /// <summary>The problem to answer; its code is left for <see cref="Observability.SubmissionMetrics"/>.</summary>
    private static IResult Fail(HttpContext context, string code, string detail, int? status = null)
    {
        context.Items[Observability.SubmissionMetrics.ProblemCodeItem] = code;
        return Problem.Result(code, detail, status);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem} in {Method} {Path}; answered 503")]
    private static partial void LogInconsistent(ILogger logger, string problem, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transient {Failure} in {Method} {Path}; answered 503")]
    private static partial void LogTransient(ILogger logger, string failure, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
