using System.Diagnostics;

namespace Anchor.Node.Observability;

/// <summary>
/// Counts evidence submissions by outcome. Sits outside <see cref="Api.ProblemWriter"/>, which leaves the
/// problem code of a refused request in <see cref="HttpContext.Items"/> under <see cref="ProblemCodeItem"/>.
/// </summary>
public sealed class SubmissionMetrics(RequestDelegate next, NodeMetrics metrics)
{
    public const string ProblemCodeItem = "anchor.problem.code";

    public async Task InvokeAsync(HttpContext context)
    {
        var route = !HttpMethods.IsPost(context.Request.Method) ? null
            : context.Request.Path.Equals("/v1/evidence", StringComparison.Ordinal) ? "single"
            : context.Request.Path.Equals("/v1/evidence/batch", StringComparison.Ordinal) ? "batch"
            : null;
        if (route is null)
        {
            await next(context);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        await next(context);
        if (context.Response.StatusCode < 400) metrics.Accepted(route, Stopwatch.GetElapsedTime(started));
        else if (!context.RequestAborted.IsCancellationRequested)
            metrics.Rejected(route, context.Items[ProblemCodeItem] as string ?? "http_" + context.Response.StatusCode);
    }
}
