using PdfSharp.Fonts;

namespace Anchor.Cli.Report;

/// <summary>
/// The faces a PDF report is set in, read from the Debian font packages at report time and embedded (as subsets) in
/// every PDF, so the report renders the same on a machine without them. Droid Sans Fallback (fonts-droid-fallback,
/// Apache 2.0) is one TrueType face with the CJK ideographs; it has no Latin letters, digits or punctuation at all
/// (its cmap holds none of U+0021–U+00FF), so Latin text is set in DejaVu Sans and DejaVu Sans Mono
/// (fonts-dejavu-core, the Bitstream Vera licence with DejaVu's public-domain changes). PDFsharp loads single-face
/// .ttf files only, not the .ttc collections of fonts-noto-cjk or fonts-wqy-*.
/// </summary>
public sealed class ReportFonts : IFontResolver
{
    public const string Sans = "Anchor Sans";
    public const string Mono = "Anchor Mono";
    public const string Cjk = "Anchor CJK";

    private static readonly (string Face, string Path, string Package)[] Files =
    [
        ("sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
        ("sans-bold", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
        ("mono", "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core"),
        ("cjk", "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"),
    ];

    private static readonly Lock Gate = new();
    private static ReportFonts? _installed;

    private readonly Dictionary<string, byte[]> _faces;

    private ReportFonts(Dictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>
    /// Reads the font files and makes them PDFsharp's resolver (a process-wide setting that PDFsharp allows once); false
    /// with a message naming the missing file and its Debian package when one is missing.
    /// </summary>
    public static bool TryInstall(out string error)
    {
        lock (Gate)
        {
            error = "";
            if (_installed is not null) return true;
            var faces = new Dictionary<string, byte[]>();
            foreach (var (face, path, package) in Files)
            {
                try { faces[face] = File.ReadAllBytes(path); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error = $"the PDF report needs the font {path}: install the Debian package {package} (apt-get install {package}), or write HTML (-o report.html)";
                    return false;
                }
            }
            _installed = new ReportFonts(faces);
            GlobalFontSettings.FontResolver = _installed;
            return true;
        }
    }

    /// <summary>Whether a character is set in the CJK face: from the CJK radicals (U+2E80) up, which DejaVu does not cover.</summary>
    public static bool IsCjk(char c) => c >= '\u2E80' && c < '\uD800' || c >= '\uF900' && c <= '\uFFEF';

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => familyName switch
    {
        Mono => new FontResolverInfo("mono"),
        // The CJK face has no bold: PDFsharp thickens it.
        Cjk => new FontResolverInfo("cjk", bold, false),
        _ => new FontResolverInfo(bold ? "sans-bold" : "sans"),
    };

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);
}
