using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Anchor.Node.Api;

/// <summary>
/// GET /verify: the verification page (src/Anchor.Verify.Web, built into wwwroot/verify.html and embedded in this
/// assembly), one self-contained file that checks a bundle in the browser. Its Content-Security-Policy lets only the
/// page's own inline script and style run (by their SHA-256), loads nothing from any origin, and allows fetch (connect-src)
/// to http and https URLs only, for the chain RPC the user types: a static header cannot name an origin the user chooses
/// later, and the script, pinned by its hash, fetches nothing else (docs/verification.md).
/// </summary>
public static partial class VerifyPage
{
    private const string Resource = "Anchor.Node.wwwroot.verify.html";

    private static readonly Lazy<(byte[] Html, string Policy)> Page = new(Load);

    public static void Map(WebApplication app) =>
        app.MapGet("/verify", (HttpContext context) =>
        {
            var (html, policy) = Page.Value;
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.CacheControl = "no-cache";
            return Results.Bytes(html, "text/html; charset=utf-8");
        }).WithSummary("The verification page: checks a proof bundle against your trust file in the browser (one self-contained HTML file)")
          .Produces<string>(200, "text/html");

    private static (byte[] Html, string Policy) Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"{Resource} is not embedded: build src/Anchor.Verify.Web (npm run build)");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var html = reader.ReadToEnd();
        return (Encoding.UTF8.GetBytes(html), Policy(html));
    }

    /// <summary>The policy for one build of the page: the hashes of its inline script and style, and nothing else to run or load.</summary>
    public static string Policy(string html)
    {
        string Hash(Regex block)
        {
            var match = block.Match(html);
            if (!match.Success) throw new InvalidOperationException("verify.html lacks its inline script or style block");
            return "'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(match.Groups[1].Value))) + "'";
        }
        return $"default-src 'none'; script-src {Hash(ScriptBlock())}; style-src {Hash(StyleBlock())}; connect-src http: https:; img-src data:; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    [GeneratedRegex("<script id=\"anchor-verify-code\">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();

    [GeneratedRegex("<style id=\"anchor-verify-style\">(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}
