using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.WebUtilities;

namespace Anchor.Node.Api;

/// <summary>
/// Gives a problem+json body to what Kestrel refuses before any middleware runs: a request line, target or header
/// block it cannot parse or that is over its limits (a path with <c>%00</c>, a target over 8 KiB: 400, 414, 431, 505).
/// Kestrel answers those itself with an empty body and offers no hook to change it, so this connection middleware
/// watches what Kestrel writes to the socket and replaces exactly that answer: a header block alone, with
/// <c>Content-Length: 0</c>, <c>Connection: close</c>, no <c>Content-Type</c>, and an error status. Kestrel writes it
/// in one piece as the connection's last output; anything else (every answer of the node's own, which has a
/// Content-Type or a body) passes through untouched, without a copy.
/// </summary>
public static class KestrelRejections
{
    /// <summary>A header block longer than this is not one of Kestrel's bare refusals (those are about 120 bytes).</summary>
    private const int MaxBareResponse = 1024;

    public static ConnectionDelegate Middleware(ConnectionDelegate next) => connection =>
    {
        connection.Transport = new Transport(connection.Transport);
        return next(connection);
    };

    /// <summary>The problem+json answer that replaces <paramref name="written"/>, or null when it is not a bare refusal.</summary>
    internal static byte[]? Replacement(ReadOnlySpan<byte> written)
    {
        if (written.Length is < 17 or > MaxBareResponse || !written.StartsWith("HTTP/1.1 "u8) || !written.EndsWith("\r\n\r\n"u8)
            || written[9] is not ((byte)'4' or (byte)'5')
            || !int.TryParse(written[9..12], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
            return null;
        var head = Encoding.ASCII.GetString(written);
        const string empty = "\r\nContent-Length: 0\r\n";
        if (!head.Contains(empty, StringComparison.Ordinal) || !head.Contains("\r\nConnection: close\r\n", StringComparison.Ordinal)
            || head.Contains("\r\nContent-Type:", StringComparison.OrdinalIgnoreCase))
            return null;
        var body = Problem.Json(Problem.CodeOf(status),
            $"the request was refused before the node read it ({status} {ReasonPhrases.GetReasonPhrase(status)}): its request line, path or headers are not valid HTTP or exceed the limits of this server",
            status);
        var length = Encoding.UTF8.GetByteCount(body);
        head = head.Replace(empty, $"\r\nContent-Type: {Problem.ContentType}\r\nContent-Length: {length.ToString(CultureInfo.InvariantCulture)}\r\n", StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(head + body);
    }

    private sealed class Transport(IDuplexPipe inner) : IDuplexPipe
    {
        public PipeReader Input { get; } = inner.Input;
        public PipeWriter Output { get; } = new Writer(inner.Output);
    }

    /// <summary>
    /// Passes every write through to the socket's writer, looking at each piece as it is advanced (the memory it handed
    /// out is the inner writer's own, so nothing is copied); a bare refusal is replaced before it is advanced.
    /// </summary>
    private sealed class Writer(PipeWriter inner) : PipeWriter
    {
        private Memory<byte> _lent;

        public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => (_lent = inner.GetMemory(sizeHint)).Span;

        public override void Advance(int bytes)
        {
            var replacement = bytes <= _lent.Length ? Replacement(_lent.Span[..bytes]) : null;
            _lent = default;
            if (replacement is null)
            {
                inner.Advance(bytes);
                return;
            }
            // The refusal was written into memory not yet advanced: write the replacement over it instead.
            replacement.CopyTo(inner.GetSpan(replacement.Length));
            inner.Advance(replacement.Length);
        }

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);
        public override void CancelPendingFlush() => inner.CancelPendingFlush();
        public override void Complete(Exception? exception = null) => inner.Complete(exception);
        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;
        public override long UnflushedBytes => inner.UnflushedBytes;
    }
}
