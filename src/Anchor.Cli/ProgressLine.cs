namespace Anchor.Cli;

/// <summary>
/// Progress of a long verb on stderr: a bar redrawn in place when stderr is a terminal, otherwise one plain line per
/// step (a log file or a CI console would fill with carriage returns).
/// </summary>
public sealed class ProgressLine(TextWriter error, int total, string unit)
{
    private const int Width = 30;
    private readonly bool _terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;

    public void Report(int done, string note)
    {
        if (!_terminal)
        {
            error.WriteLine($"{done}/{total} {unit}: {note}");
            return;
        }
        var filled = total == 0 ? Width : (int)((long)done * Width / total);
        error.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {unit} {note}".PadRight(100));
        if (done == total) error.WriteLine();
    }
}
