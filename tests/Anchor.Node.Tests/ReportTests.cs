using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Anchor.Chain;
using Anchor.Chain.Tests;
using Anchor.Cli.Report;
using Anchor.Core;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Tests.Timestamping;
using Anchor.Core.Tests.Verification;
using Anchor.Core.Timestamping;

namespace Anchor.Node.Tests;

/// <summary>
/// `anchor report` on a genuine sealed bundle (a real node and Redis, a certified provider, the development TSA and an
/// anvil chain), read back with poppler, not with our code: pdftotext finds the facts in Chinese and English, every page
/// renders and the CJK text stands on it as distinct glyphs (not blank, not one box repeated), the bundle and the trust
/// file are attached and the fonts embedded. A mutated bundle gives a report that says 不通过 / FAILED, and exit 1.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ReportTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-report-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    /// <summary>Where the reports are kept for a reader after the run (bin/…/report-artifacts).</summary>
    private static string Artifacts => Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "report-artifacts")).FullName;

    [Fact]
    public async Task A_sealed_bundle_reports_its_facts_in_Chinese_and_English_and_a_mutated_one_reports_FAILED()
    {
        await using var tsa = await DevTsa.StartAsync(RepoRoot.Path);
        await using var anvil = await Anvil.StartAsync(31337);
        var chainArgs = await LocalChain.ArgsAsync(anvil, _state);
        var roots = Directory.CreateDirectory(Path.Combine(_state, "roots")).FullName;
        using var ca = new ProviderCa();
        await File.WriteAllTextAsync(Path.Combine(roots, "ca.pem"), ca.Pem);
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "report.test/log", Path.Combine(_state, "node"),
        [
            "--Anchor:Anchoring:IntervalSeconds=1", $"--Anchor:Trust:ProviderRoots={roots}",
            .. chainArgs,
            "--Anchor:Tsa:0:Name=dev", $"--Anchor:Tsa:0:Url={tsa.Url}", "--Anchor:Tsa:0:HashAlg=sha256", "--Anchor:Tsa:0:TimeoutSeconds=5", $"--Anchor:Tsa:0:Roots={tsa.RootFile}",
        ]));

        // A certified provider whose certificate names it in Chinese, and a real document.
        var (key, descriptor) = ca.Certify(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), "CN=甲方签名, O=北京甲乙电子合同有限公司, C=CN");
        using var _k = key;
        var pop = descriptor.ToJson();
        pop["keyId"] = "k1";
        pop["pop"] = Convert.ToBase64String(key.Sign(Statements.KeyRegistration("acme", "k1", descriptor)));
        var (status, body) = await node.PostAsync("/v1/admin/providers", new JsonObject { ["id"] = "acme", ["name"] = "Acme", ["keys"] = new JsonArray(pop) }, node.AdminToken);
        Assert.True(status == 201, body.ToJsonString());
        var document = Path.Combine(_state, "contract.pdf");
        await File.WriteAllBytesAsync(document, RandomNumberGenerator.GetBytes(3000));
        var evidence = TestProvider.NewEvidence("HT-2026-0042", Hex.Encode(SHA256.HashData(await File.ReadAllBytesAsync(document))));
        (status, body) = await node.PostAsync("/v1/evidence", new JsonObject
        {
            ["provider"] = "acme", ["keyId"] = "k1", ["evidence"] = evidence.ToJson(),
            ["sig"] = Convert.ToBase64String(key.Sign(Statements.Single("acme", "k1", evidence))),
        });
        Assert.True(status == 200, body.ToJsonString());
        var leaf = body["leafIndex"]!.GetValue<string>();
        var bundle = await SealedAsync(node, leaf);

        var bundleFile = Path.Combine(_state, "bundle.json");
        var trustFile = Path.Combine(_state, "trust.json");
        await File.WriteAllTextAsync(bundleFile, bundle.ToJsonString());
        await File.WriteAllTextAsync(trustFile, (await node.GetAsync("/v1/trust")).Body.ToJsonString());
        var pdf = Path.Combine(Artifacts, "report-passed.pdf");
        var rpc = $"31337={anvil.Url}";
        var (exit, output, error) = await CliRunner.Run("report", bundleFile, "--trust", trustFile, "--file", document, "--rpc", rpc, "-o", pdf);
        Assert.True(exit == 0, output + error);
        Assert.Contains("通过 / PASSED", output);

        // The text layer, as poppler extracts it: the facts in both languages, CJK as real text.
        var text = await Poppler("pdftotext", "-layout", pdf, "-");
        var anchor = (JsonObject)bundle["anchors"]![0]!;
        var token = TsaToken.Read(Convert.FromBase64String(bundle["timestamps"]![0]!["token"]!.GetValue<string>()));
        var tsaCst = token.GenTime.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var fact in new[]
                 {
                     "存证核验报告", "Evidence Verification Report", $"report.test/log/{leaf}", "通过 / PASSED", "核验步骤", "Verification steps",
                     evidence.Hash, "HT-2026-0042", "acme", "contract.pdf", "甲方签名", "北京甲乙电子合同有限公司", "提供方签名", "provider signature",
                     anchor["txHash"]!.GetValue<string>(), anchor["blockHash"]!.GetValue<string>(), $"{tsaCst} 北京时间 China Standard Time (UTC+8)",
                     "时间戳机构 dev", "节点时钟", "node clock", Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(bundleFile))),
                     $"https://report.test/verify#report.test/log/{leaf}",
                 })
            Assert.True(Flat(text).Contains(Flat(fact), StringComparison.Ordinal), $"'{fact}' is not in the text layer:\n{text}");
        Assert.DoesNotContain("不通过", text);

        // The bundle and the trust file are attached, byte for byte; the fonts are embedded.
        var attached = await Poppler("pdfdetach", "-list", pdf);
        Assert.Contains("bundle.json", attached);
        Assert.Contains("trust.json", attached);
        var detached = Directory.CreateDirectory(Path.Combine(_state, "detached")).FullName;
        await Poppler("pdfdetach", "-saveall", "-o", detached, pdf);
        Assert.Equal(await File.ReadAllBytesAsync(bundleFile), await File.ReadAllBytesAsync(Path.Combine(detached, "bundle.json")));
        Assert.Equal(await File.ReadAllBytesAsync(trustFile), await File.ReadAllBytesAsync(Path.Combine(detached, "trust.json")));
        var fonts = (await Poppler("pdffonts", pdf)).Split('\n').Skip(2).Where(l => l.Trim().Length > 0).ToList();
        Assert.Contains(fonts, l => l.Contains("Droid Sans Fallback", StringComparison.Ordinal));
        Assert.All(fonts, l => Assert.Matches(@"\byes\s+yes\s+yes\b", l)); // emb, sub, uni: every font embedded, subset, mapped to Unicode.

        await RendersAsync(pdf);

        // The QR code, read back by zbar from the rendered pages: the page's address for this record.
        await Poppler("pdftoppm", "-r", "150", "-png", pdf, Path.Combine(_state, "qr"));
        var codes = new List<string>();
        foreach (var png in Directory.GetFiles(_state, "qr*.png"))
        {
            var (zbar, decoded, _) = await RunAsync(null, "zbarimg", "-q", "--raw", png);
            Assert.True(zbar is 0 or 4, $"zbarimg {png}: exit {zbar}"); // 4: no code on that page.
            if (zbar == 0) codes.Add(decoded.Trim());
        }
        Assert.Equal([$"https://report.test/verify#report.test/log/{leaf}"], codes);

        // A mutated bundle: the report is written, says FAILED at the top, names the failed check, and exits 1.
        var mutated = BundleMutations.With(bundle, "/entry/evidence/hash");
        var mutatedFile = Path.Combine(_state, "mutated.json");
        await File.WriteAllTextAsync(mutatedFile, mutated.ToJsonString());
        var failedPdf = Path.Combine(Artifacts, "report-failed.pdf");
        (exit, output, error) = await CliRunner.Run("report", mutatedFile, "--trust", trustFile, "--rpc", rpc, "-o", failedPdf);
        Assert.True(exit == 1, output + error);
        var failedText = await Poppler("pdftotext", "-layout", failedPdf, "-");
        var firstLines = string.Join("\n", failedText.Split('\n').Take(8));
        Assert.Contains("不通过 / FAILED", firstLines);
        Assert.Contains("不通过的检查 / Failed checks", failedText);
        Assert.Contains("provider signature", failedText);
        Assert.DoesNotContain("Result: 通过 / PASSED", failedText); // Only the checks that did pass say PASSED.

        // English only and Chinese only.
        var en = Path.Combine(Artifacts, "report-en.pdf");
        Assert.Equal(0, (await CliRunner.Run("report", bundleFile, "--trust", trustFile, "--rpc", rpc, "--lang", "en", "-o", en)).Exit);
        var enText = await Poppler("pdftotext", en, "-");
        Assert.Contains("Result: PASSED", enText);
        Assert.DoesNotContain("通过", enText);
        var zh = Path.Combine(Artifacts, "report-zh.pdf");
        Assert.Equal(0, (await CliRunner.Run("report", bundleFile, "--trust", trustFile, "--rpc", rpc, "--lang", "zh", "-o", zh, "--page-url", "https://ledger.example.cn/")).Exit);
        var zhText = await Poppler("pdftotext", zh, "-");
        Assert.Contains("核验结论: 通过", zhText);
        Assert.DoesNotContain("PASSED", zhText);
        Assert.Contains($"https://ledger.example.cn/verify#report.test/log/{leaf}", Flat(zhText));

        // Without the chain RPC the anchors are not checked: written, marked as incomplete, exit 1 like anchor verify.
        var offline = Path.Combine(_state, "offline.pdf");
        (exit, output, error) = await CliRunner.Run("report", bundleFile, "--trust", trustFile, "-o", offline);
        Assert.True(exit == 1, output + error);
        Assert.Contains(Flat("核验结论 / Result: 未完全核验 / NOT FULLY VERIFIED"), Flat(await Poppler("pdftotext", offline, "-")));

        // Without a trust root nothing is called valid: written, UNVERIFIED, exit 3 like anchor verify.
        var untrusted = Path.Combine(_state, "untrusted.pdf");
        (exit, output, error) = await CliRunner.Run("report", bundleFile, "-o", untrusted);
        Assert.True(exit == 3, output + error);
        var untrustedText = await Poppler("pdftotext", untrusted, "-");
        Assert.Contains("核验结论 / Result: 未核验 / UNVERIFIED", untrustedText);
        Assert.Contains("No trusted root applies: this report calls nothing valid.", untrustedText);

        // The HTML: the page with the report in its slot, the bundle and the trust file preloaded as JSON.
        var html = Path.Combine(Artifacts, "report.html");
        Assert.Equal(0, (await CliRunner.Run("report", bundleFile, "--trust", trustFile, "--rpc", rpc, "-o", html)).Exit);
        var page = await File.ReadAllTextAsync(html);
        Assert.Matches(new Regex(@"<body>\s*<div id=""anchor-report"">.*通过 / PASSED", RegexOptions.Singleline), page);
        Assert.Contains(evidence.Hash, page);
        var qrPng = Path.Combine(_state, "html-qr.png");
        await File.WriteAllBytesAsync(qrPng, Convert.FromBase64String(Regex.Match(page, "src=\"data:image/png;base64,([^\"]+)\"").Groups[1].Value));
        Assert.Equal($"https://report.test/verify#report.test/log/{leaf}", (await RunAsync(null, "zbarimg", "-q", "--raw", qrPng)).Output.Trim());
        Assert.Equal(bundle.ToJsonString(), JsonNode.Parse(Preloaded(page, "anchor-preload-bundle"))!.ToJsonString());
        Assert.Equal((await node.GetAsync("/v1/trust")).Body.ToJsonString(), JsonNode.Parse(Preloaded(page, "anchor-preload-trust"))!.ToJsonString());
        // With --log-key there is no trust file: the page gets the one-key trust file the key stands for.
        var logKey = bundle["logKey"]!.GetValue<string>();
        (exit, output, error) = await CliRunner.Run("report", bundleFile, "--log-key", logKey, "-o", Path.Combine(_state, "log-key.html"));
        Assert.True(exit == 1, output + error); // The anchor's registry is not trusted: a one-key trust file names none.
        var keyTrust = Anchor.Core.Verification.TrustFile.FromJson(JsonNode.Parse(Preloaded(await File.ReadAllTextAsync(Path.Combine(_state, "log-key.html")), "anchor-preload-trust")));
        Assert.Equal([logKey], keyTrust.Logs.Single().Keys);
        (exit, _, _) = await CliRunner.Run("report", mutatedFile, "--trust", trustFile, "--rpc", rpc, "-o", Path.Combine(_state, "failed.html"));
        Assert.Equal(1, exit);
        Assert.Contains("data-verdict=\"failed\"", await File.ReadAllTextAsync(Path.Combine(_state, "failed.html")));
    }

    [Fact]
    public void JSON_in_the_page_cannot_end_its_script_element_and_reads_back_the_same()
    {
        var json = new JsonObject { ["x"] = "</script><script>alert(1)</script><!-- -->", ["y"] = "a<b" }.ToJsonString();
        var escaped = HtmlReportWriter.ScriptJson(json);
        Assert.DoesNotContain("<", escaped);
        Assert.Equal(json, JsonNode.Parse(escaped)!.ToJsonString());
    }

    [Fact]
    public async Task A_report_refuses_an_output_that_is_neither_PDF_nor_HTML_and_writes_nothing()
    {
        var (exit, _, error) = await CliRunner.Run("report", "bundle.json", "--trust", "trust.json", "-o", Path.Combine(_state, "report.docx"));
        Assert.Equal(2, exit);
        Assert.Contains(".pdf or an .html", error);
        Assert.Empty(Directory.GetFiles(_state));
    }

    [Theory]
    [InlineData("ledger.example.com/log", "7", null, "https://ledger.example.com/verify#ledger.example.com/log/7")]
    [InlineData("ledger.example.com/log", "7", "https://node.example.org:8443/", "https://node.example.org:8443/verify#ledger.example.com/log/7")]
    [InlineData("local-log", "7", null, null)]
    public void The_page_address_is_the_node_URL_verify_and_the_record(string origin, string leaf, string? pageUrl, string? expected) =>
        Assert.Equal(expected, EvidenceReport.PageAddress(pageUrl, origin, leaf));

    private static async Task<JsonObject> SealedAsync(TestNode node, string leaf)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var (_, bundle) = await node.GetAsync($"/v1/proofs/{leaf}");
            if (bundle["anchors"] is JsonArray { Count: > 0 } && bundle["timestamps"] is JsonArray { Count: > 0 }) return bundle;
            if (DateTime.UtcNow > deadline) Assert.Fail($"leaf {leaf} was not sealed by chain and TSA: {bundle.ToJsonString()}");
            await Task.Delay(250);
        }
    }

    /// <summary>Text without its layout: pdftotext breaks long values across lines where the report wrapped them.</summary>
    private static string Flat(string text) => Regex.Replace(text, @"\s+", "");

    private static string Preloaded(string page, string id)
    {
        var match = Regex.Match(page, $"<script type=\"application/json\" id=\"{id}\">(.*?)</script>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no {id}");
        return match.Groups[1].Value;
    }

    /// <summary>
    /// Every page renders (pdftoppm) and is not blank; on page 1, where pdftotext places each CJK character, the rendering
    /// has ink, and different characters look different: a missing glyph would be blank or the same box every time.
    /// </summary>
    private async Task RendersAsync(string pdf)
    {
        var pages = int.Parse(Regex.Match(await Poppler("pdfinfo", pdf), @"Pages:\s+(\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(pages, 1, 20);
        for (var p = 1; p <= pages; p++)
        {
            var prefix = Path.Combine(_state, $"page{p}");
            await Poppler("pdftoppm", "-r", "72", "-gray", "-singlefile", "-f", $"{p}", "-l", $"{p}", pdf, prefix);
            var image = Pgm.Read(prefix + ".pgm");
            Assert.True(image.Dark(0, 0, image.Width, image.Height) > 0.001, $"page {p} renders blank");
        }
        // Nothing runs off the page: every word ends inside the right margin (48 pt on A4).
        foreach (Match w in Regex.Matches(await Poppler("pdftotext", "-bbox", pdf, "-"), @"<word xMin=""[\d.]+"" yMin=""[\d.]+"" xMax=""([\d.]+)"" yMax=""[\d.]+"">([^<]+)</word>"))
            Assert.True(double.Parse(w.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 595.28 - 48 + 0.5, $"'{w.Groups[2].Value}' runs into the margin");
        // Page 1 again at 144 dpi (2 pixels a point), so that small grey CJK glyphs are more than a few grey pixels.
        await Poppler("pdftoppm", "-r", "144", "-gray", "-singlefile", "-f", "1", "-l", "1", pdf, Path.Combine(_state, "fine"));
        var page1 = Pgm.Read(Path.Combine(_state, "fine.pgm"));
        // A machine without fonts: fontconfig that knows none. The embedded faces draw the same page, pixel for pixel.
        var noFonts = Path.Combine(_state, "no-fonts.conf");
        await File.WriteAllTextAsync(noFonts, $"<?xml version=\"1.0\"?>\n<fontconfig><dir>{Path.Combine(_state, "no-fonts")}</dir><cachedir>{Path.Combine(_state, "no-fonts-cache")}</cachedir></fontconfig>\n");
        await PopplerWithFonts(noFonts, "pdftoppm", "-r", "144", "-gray", "-singlefile", "-f", "1", "-l", "1", pdf, Path.Combine(_state, "bare"));
        Assert.Equal(page1.Pixels, Pgm.Read(Path.Combine(_state, "bare.pgm")).Pixels);
        var bbox = await Poppler("pdftotext", "-bbox", "-f", "1", "-l", "1", pdf, "-");
        var glyphs = new Dictionary<char, HashSet<string>>();
        foreach (Match w in Regex.Matches(bbox, @"<word xMin=""([\d.]+)"" yMin=""([\d.]+)"" xMax=""([\d.]+)"" yMax=""([\d.]+)"">([^<]+)</word>"))
        {
            var word = System.Net.WebUtility.HtmlDecode(w.Groups[5].Value);
            if (!word.All(ReportFonts.IsCjk)) continue;
            var (x0, y0, x1, y1) = (double.Parse(w.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(w.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(w.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), double.Parse(w.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture));
            var step = 2 * (x1 - x0) / word.Length;
            for (var i = 0; i < word.Length; i++)
            {
                if (word[i] is < '\u4E00' or > '\u9FFF') continue; // Ideographs only: a full-width colon has almost no ink.
                var (left, top, width, height) = ((int)Math.Round(2 * x0 + i * step), (int)Math.Round(2 * y0), (int)Math.Round(step), (int)Math.Round(2 * (y1 - y0)));
                Assert.True(page1.Dark(left, top, width, height) > 0.04, $"'{word[i]}' of '{word}' at {left},{top} has no ink");
                (glyphs.TryGetValue(word[i], out var seen) ? seen : glyphs[word[i]] = []).Add(page1.Shape(left, top, width, height));
            }
        }
        Assert.True(glyphs.Count >= 20, $"only {glyphs.Count} CJK characters found on page 1:\n{bbox}");
        // One shape per character at least; a font that drew one box for all would give one shape for all.
        var shapes = glyphs.Values.Select(s => s.First()).Distinct().Count();
        Assert.True(shapes >= glyphs.Count * 9 / 10, $"{glyphs.Count} different CJK characters render as only {shapes} different shapes");
    }

    private static Task<string> Poppler(string tool, params string[] args) => PopplerWithFonts(null, tool, args);

    /// <summary>A poppler tool, with <paramref name="fontconfig"/> as its FONTCONFIG_FILE when given; it must succeed.</summary>
    private static async Task<string> PopplerWithFonts(string? fontconfig, string tool, params string[] args)
    {
        var (exit, output, error) = await RunAsync(fontconfig, tool, args);
        Assert.True(exit == 0, $"{tool} {string.Join(' ', args)}: exit {exit}: {error}");
        return output;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(string? fontconfig, string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in args) start.ArgumentList.Add(a);
        if (fontconfig is not null) start.Environment["FONTCONFIG_FILE"] = fontconfig;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>A binary greyscale PGM (P5) as pdftoppm -gray writes it.</summary>
    private sealed record Pgm(int Width, int Height, byte[] Pixels)
    {
        public static Pgm Read(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var fields = new List<string>();
            var at = 0;
            while (fields.Count < 4)
            {
                while (char.IsWhiteSpace((char)bytes[at])) at++;
                var start = at;
                while (!char.IsWhiteSpace((char)bytes[at])) at++;
                fields.Add(Encoding.ASCII.GetString(bytes, start, at - start));
            }
            Assert.Equal("P5", fields[0]);
            var (width, height) = (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
            return new Pgm(width, height, bytes[(at + 1)..(at + 1 + width * height)]);
        }

        private IEnumerable<byte> Region(int left, int top, int width, int height)
        {
            for (var y = Math.Max(0, top); y < Math.Min(Height, top + height); y++)
                for (var x = Math.Max(0, left); x < Math.Min(Width, left + width); x++)
                    yield return Pixels[y * Width + x];
        }

        /// <summary>Ink: a pixel clearly darker than the paper (grey text, anti-aliased, counts).</summary>
        private static bool Ink(byte pixel) => pixel < 192;

        /// <summary>The share of inked pixels in the region.</summary>
        public double Dark(int left, int top, int width, int height)
        {
            var region = Region(left, top, width, height).ToList();
            return region.Count == 0 ? 0 : region.Count(Ink) / (double)region.Count;
        }

        /// <summary>The region as a string of ink and paper, to compare glyph shapes.</summary>
        public string Shape(int left, int top, int width, int height) => new([.. Region(left, top, width, height).Select(p => Ink(p) ? '#' : '.')]);
    }
}
