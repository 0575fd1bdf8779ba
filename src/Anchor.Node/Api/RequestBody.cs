using System.Buffers;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Node.Api;

/// <summary>Reads a request body up to a limit and parses it with the strict JSON model (strings only, no duplicates).</summary>
public static class RequestBody
{
    public const int SingleLimit = 64 * 1024;
    public const int BatchLimit = 16 * 1024 * 1024;

    public static Task<JsonObject> ReadObjectAsync(HttpRequest request, int limit, CancellationToken cancellationToken) =>
        ReadAsync(request, limit, static (ref System.Text.Json.Utf8JsonReader reader) =>
            Jcs.ReadStrictValue(ref reader) as JsonObject ?? throw new ProblemException(ErrorCodes.Malformed, "the body must be a JSON object"), cancellationToken);

    /// <summary>Reads the body up to <paramref name="limit"/> bytes and parses it with <paramref name="read"/> (<see cref="Jcs.ReadStrict{T}"/>).</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, int limit, Jcs.StrictReader<T> read, CancellationToken cancellationToken)
    {
        CheckJson(request);
        if (request.ContentLength > limit)
            throw new ProblemException(ErrorCodes.TooLarge, $"the body is {request.ContentLength} bytes; this route takes at most {limit}");
        var feature = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit + 1L;
        // A pooled buffer of the announced size (grown if the body is chunked or longer): no fresh 16 KiB per request.
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 16 * 1024, limit + 1L));
        try
        {
            var length = 0;
            int got;
            while ((got = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += got;
                if (length > limit) throw new ProblemException(ErrorCodes.TooLarge, $"the body is over {limit} bytes, the limit of this route");
                if (length == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, limit + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            return Jcs.ReadStrict(buffer.AsSpan(0, length), read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Bodies are JSON in UTF-8 (RFC 8259): <c>application/json</c>, with no charset or <c>charset=utf-8</c>. Anything else
    /// is 415, so that a client sending a form or text by mistake is told so instead of getting a parse error.
    /// </summary>
    private static void CheckJson(HttpRequest request)
    {
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            && (!type.Charset.HasValue || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
            && type.Parameters.All(p => p.Name.Equals("charset", StringComparison.OrdinalIgnoreCase)))
            return;
        throw new ProblemException(Problem.UnsupportedMediaType,
            $"the body must be Content-Type: application/json (UTF-8), not '{Problem.Short(request.ContentType ?? "")}'");
    }

    public static string String(JsonObject obj, string name) =>
        NonEmpty(obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null, name, obj.ContainsKey(name));

    /// <summary>A member that must be a non-empty string: <paramref name="value"/> as read, null when absent or not a string.</summary>
    public static string NonEmpty(string? value, string name, bool present = false) => value is { Length: > 0 } ? value
        : throw new ProblemException(ErrorCodes.Malformed, present || value is not null ? $"'{name}' must be a non-empty string" : $"'{name}' is missing");

    public static void OnlyKnown(JsonObject obj, params string[] known)
    {
        foreach (var (name, _) in obj)
            if (Array.IndexOf(known, name) < 0) throw new ProblemException(ErrorCodes.Malformed, $"unknown member '{name}'");
    }

    /// <summary>Provider and key ids: 1 to 64 characters of letters, digits, '.', '_', '-' (they appear in paths and keys).</summary>
    public static string Id(JsonObject obj, string name)
    {
        var id = String(obj, name);
        CheckId(id, name);
        return id;
    }

    public static void CheckId(string id, string what)
    {
        if (id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ProblemException(ErrorCodes.Malformed, $"'{what}' must be 1 to 64 characters of letters, digits, '.', '_' or '-'");
    }
}
