using Anchor.Core.Records;

namespace Anchor.Node.Api;

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

    [LoggerMessage(Level = LogLevel.Error, Message = "{Problem} in {Method} {Path}; answered 503")]
    private static partial void LogInconsistent(ILogger logger, string problem, string method, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Transient {Failure} in {Method} {Path}; answered 503")]
    private static partial void LogTransient(ILogger logger, string failure, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled failure in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
