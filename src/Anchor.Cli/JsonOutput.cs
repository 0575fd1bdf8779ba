using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Anchor.Cli;

/// <summary>
/// How the CLI writes JSON for people and tools: UTF-8, '+' and CJK as they are (the default encoder writes \u002B and
/// \uXXXX), indented in files. Only files nobody signs are written so: a bundle's signed parts (checkpoint, statement)
/// are strings inside it, and every reader parses the JSON, so one-line files of older versions read the same.
/// </summary>
public static class JsonOutput
{
    /// <summary>Relaxed escaping is safe here: the text goes to files and terminals, never into HTML or a script.</summary>
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    public static readonly JsonSerializerOptions Indented = new(Compact) { WriteIndented = true };

    /// <summary>One line, for standard output with --json.</summary>
    public static string Line(JsonNode node) => node.ToJsonString(Compact);

    /// <summary>
    /// Writes <paramref name="node"/> indented to <paramref name="path"/>: into a file beside it, flushed, then renamed
    /// over it, so a reader (or a crash) sees the old file or the new one, never half of one.
    /// </summary>
    public static async Task WriteFileAsync(string path, JsonNode node, CancellationToken ct)
    {
        var target = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                await stream.WriteAsync(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(node.ToJsonString(Indented) + "\n"), ct);
                await stream.FlushAsync(ct);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
