using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>Endpoint metadata: this route belongs to the operator surface (health, metrics, dashboard).</summary>
public sealed class OperatorOnly;

/// <summary>
/// Keeps the operator surface and the public API apart by the local port each connection arrived on
/// (<see cref="ConnectionInfo.LocalPort"/>, the socket's own), never by the Host header, which the client writes.
/// Invariant: a route marked <see cref="OperatorOnly"/> answers only on the operator listener, and the operator
/// listener answers nothing else; either mismatch is a plain 404, as for a route that does not exist.
/// Runs after routing, so it judges the endpoint that would run, whatever spelling of the path chose it.
/// </summary>
public sealed class OperatorListener(RequestDelegate next, int operatorPort)
{
    public Task InvokeAsync(HttpContext context)
    {
        var operatorOnly = context.GetEndpoint()?.Metadata.GetMetadata<OperatorOnly>() is not null;
        if (operatorOnly == IsOperator(context, operatorPort)) return next(context);
        throw new ProblemException(ErrorCodes.NotFound, $"no route {context.Request.Method} {Problem.Short(context.Request.Path.Value ?? "")} on this listener",
            StatusCodes.Status404NotFound);
    }

    /// <summary>True for a connection accepted by the operator listener (never when it is off, port 0).</summary>
    public static bool IsOperator(HttpContext context, int operatorPort) => operatorPort != 0 && context.Connection.LocalPort == operatorPort;
}
