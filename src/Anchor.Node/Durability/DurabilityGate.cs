using System.Diagnostics;
using Anchor.Core.Records;
using Anchor.Node.Api;
using Anchor.Node.Observability;
using Anchor.Storage;
using Microsoft.AspNetCore.Http.Features;
using StackExchange.Redis;

namespace Anchor.Node.Durability;

/// <summary>
/// Nothing is acknowledged unless Redis still fsyncs every write. Where durability rests on <c>appendfsync always</c>
/// (<see cref="DurabilityStatus.WatchesFsync"/>), every write request of the public API is answered from a buffer: after
/// its handler ran, Redis's persistence is read again (one CONFIG GET, shared by the requests that finished meanwhile),
/// and a 2xx answer goes out only if the reading still says <c>always</c>; otherwise the client gets 503
/// <c>durability_lost</c> and retries the same request later (a record that was written meanwhile is then found by its
/// nonce and its original receipt returned). While the loss is known, writes are refused before they run. Redis
/// switched to everysec under a running node therefore costs availability, never an acknowledgement that a power loss
/// could take back. Refusals of sequencing (this one, <c>log_rolled_back</c>, <c>storage_inconsistent</c>) are counted
/// in <see cref="SequencingRefusals"/>.
/// </summary>
public sealed partial class DurabilityGate(RequestDelegate next, DurabilityStatus status, IConnectionMultiplexer redis, int operatorPort,
    ILogger<DurabilityGate> logger)
{
    /// <summary>503: Redis no longer fsyncs every write before answering it, so the node acknowledges nothing.</summary>
    public const string DurabilityLost = "durability_lost";

    private readonly Lock _lock = new();
    private Reading? _reading;

    /// <summary>One reading of Redis's persistence, and when its command was sent (<see cref="long.MaxValue"/> until then).</summary>
    private sealed class Reading
    {
        public long SentAt = long.MaxValue;
        public Task<string?> Result = null!;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method)
            || OperatorListener.IsOperator(context, operatorPort))
        {
            await next(context);
            return;
        }
        if (!status.WatchesFsync)
        {
            await next(context);
            Count(context);
            return;
        }
        if (status.Problem is { } known)
        {
            await Refuse(context, known);
            return;
        }

        // The answer is held until Redis has been asked again after the handler wrote.
        var original = context.Features.Get<IHttpResponseBodyFeature>()!;
        using var buffer = new MemoryStream();
        var buffered = new StreamResponseBodyFeature(buffer);
        context.Features.Set<IHttpResponseBodyFeature>(buffered);
        try
        {
            await next(context);
            await buffered.CompleteAsync();
        }
        finally
        {
            context.Features.Set(original);
        }
        if (context.Response.StatusCode is >= 200 and < 300 && await ProblemAfterAsync(Stopwatch.GetTimestamp()) is { } lost)
        {
            LogWithheld(logger, context.Request.Method, context.Request.Path, lost);
            context.Response.Clear();
            await Refuse(context, lost);
            return;
        }
        Count(context);
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    private async Task Refuse(HttpContext context, string problem)
    {
        context.Response.Headers.RetryAfter = "5";
        context.Items[SubmissionMetrics.ProblemCodeItem] = DurabilityLost;
        SequencingRefusals.Refused(DurabilityLost);
        await Problem.Result(DurabilityLost, $"not acknowledged: {problem}", StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context);
    }

    /// <summary>A write refused further in (the sequencer's refusals, mapped to their codes by <see cref="ProblemWriter"/>) is counted too.</summary>
    private static void Count(HttpContext context)
    {
        if (context.Items[SubmissionMetrics.ProblemCodeItem] is string code && code is ErrorCodes.LogRolledBack or Problem.StorageInconsistent)
            SequencingRefusals.Refused(code);
    }

    /// <summary>
    /// The durability problem by a reading of Redis sent at or after <paramref name="since"/>: a reading sent earlier may
    /// predate the write, so it is not taken; one not yet sent is (it will be sent after the write). Requests that finish
    /// while a reading waits to be sent share it: the answers of one commit, which finish one after another, mostly share
    /// one CONFIG GET instead of asking one each.
    /// </summary>
    private async Task<string?> ProblemAfterAsync(long since)
    {
        Reading reading;
        lock (_lock)
        {
            if (_reading is null || _reading.SentAt < since)
            {
                _reading = new Reading();
                _reading.Result = ReadAsync(_reading);
            }
            reading = _reading;
        }
        return await reading.Result;
    }

    private async Task<string?> ReadAsync(Reading reading)
    {
        await Task.Yield(); // Let the requests finishing now join this reading.
        lock (_lock) reading.SentAt = Stopwatch.GetTimestamp();
        try
        {
            // Every server, as at start: a primary of a Redis Cluster switched to everysec loses the writes of its slots.
            status.Recheck(await RedisPersistence.ReadAsync(redis, configOnly: true));
            return status.Problem;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis cannot say: then nothing says the write was fsynced either.
            return $"Redis persistence could not be read again after the write ({ex.GetType().Name}): retry";
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path}: the answer is withheld: {Problem}")]
    private static partial void LogWithheld(ILogger logger, string method, string path, string problem);
}
