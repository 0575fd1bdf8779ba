using System.Net.Http.Headers;
using Anchor.Core.Timestamping;

namespace Anchor.Grains.Timestamping;

/// <summary>
/// RFC 3161 over HTTP (section 3.4): POSTs a TimeStampReq as <c>application/timestamp-query</c> and checks the
/// <c>application/timestamp-reply</c> with <see cref="TsaQuery.Accept"/>. A TSA that cannot be reached, or answers HTTP
/// errors, is tried again with backoff; a reply that is refused is not (it would be refused again). Each failure is
/// counted, with its reason.
/// </summary>
public sealed class TsaClient(HttpClient http, TsaTarget target)
{
    /// <summary>Replies are a token and a few certificates: anything this large is not one.</summary>
    private const int MaxReply = 1 << 20;
    private static readonly MediaTypeHeaderValue QueryType = new("application/timestamp-query");

    public async Task<TsaToken> StampAsync(byte[] digest, CancellationToken ct)
    {
        var delay = target.Backoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await AskAsync(digest, ct).ConfigureAwait(false);
            }
            catch (TsaException e)
            {
                TimestampingMetrics.Refused(target.Name, e.Reason);
                if (e.Reason is not (TsaFailure.Unreachable or TsaFailure.Http) || attempt >= target.Attempts) throw;
            }
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    private async Task<TsaToken> AskAsync(byte[] digest, CancellationToken ct)
    {
        // A new query, so a new nonce, for every attempt: a late answer to an earlier one is refused.
        var query = TsaQuery.Create(target.HashAlg, digest, target.Policy);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(target.Timeout);
        byte[] reply;
        try
        {
            using var content = new ByteArrayContent(query.Encode());
            content.Headers.ContentType = QueryType;
            using var response = await http.PostAsync(target.Url, content, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw new TsaException(TsaFailure.Http, $"{target.Name} answered HTTP {(int)response.StatusCode}");
            if (response.Content.Headers.ContentType?.MediaType != "application/timestamp-reply")
                throw new TsaException(TsaFailure.Http, $"{target.Name} answered {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not application/timestamp-reply");
            if (response.Content.Headers.ContentLength > MaxReply) throw new TsaException(TsaFailure.Http, $"{target.Name} answered more than {MaxReply} bytes");
            reply = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            if (reply.Length > MaxReply) throw new TsaException(TsaFailure.Http, $"{target.Name} answered more than {MaxReply} bytes");
        }
        catch (HttpRequestException e)
        {
            throw new TsaException(TsaFailure.Unreachable, $"{target.Name} cannot be reached at {target.Url}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TsaException(TsaFailure.Unreachable, $"{target.Name} did not answer within {target.Timeout.TotalSeconds} s", e);
        }
        return query.Accept(reply, target.Roots);
    }
}
