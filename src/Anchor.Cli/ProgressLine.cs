namespace Anchor.Cli;

/// <summary>
/// Progress of a long verb on stderr: a bar redrawn in place when stderr is a terminal, otherwise one plain line per
/// step (a log file or a CI console would fill with carriage returns). A <paramref name="total"/> of 0 is not known in
/// advance (rows read as they come): then a count instead of a bar.
/// </summary>
public sealed class ProgressLine(TextWriter error, long total, string unit)
{
    private const int Width = 30;
    private readonly bool _terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    public void Report(long done, string note)
    {
        if (!_terminal)
        {
            error.WriteLine(total > 0 ? $"{done}/{total} {unit}: {note}" : $"{done} {unit}: {note}");
            return;
        }
        if (total <= 0)
        {
            error.Write($"\r{done} {unit} {note}".PadRight(100));
            return;
        }
        var filled = (int)(done * Width / total);
        error.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {unit} {note}".PadRight(100));
        if (done == total) error.WriteLine();
    }

    /// <summary>Ends the line a terminal was redrawing (a known total ends it by itself).</summary>
    public void Done()
    {
        if (_terminal && total <= 0) error.WriteLine();
    }
}
