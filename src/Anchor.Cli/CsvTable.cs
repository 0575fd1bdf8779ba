using System.Text;

namespace Anchor.Cli;

/// <summary>
/// A CSV file read as RFC 4180 says: comma-separated fields, double quotes around a field that holds commas, quotes or
/// line breaks, a quote doubled inside one, CRLF or LF between records. The first record names the columns. Records are
/// read one at a time, so a file of millions of rows never sits in memory.
/// </summary>
public sealed class CsvTable : IDisposable
{
    private readonly TextReader _reader;
    private long _line = 1;

    private CsvTable(TextReader reader, string source)
    {
        _reader = reader;
        Source = source;
        _columns = ReadRecord() ?? throw new FormatException($"{source} is empty: the first line must name the columns");
        for (var i = 0; i < _columns.Count; i++)
            if (_columns.IndexOf(_columns[i]) != i) throw new FormatException($"{source}: column '{_columns[i]}' is named twice");
    }

    public static CsvTable Open(string path) => new(new StreamReader(path, Encoding.UTF8), path);
    public static CsvTable Read(TextReader reader, string source) => new(reader, source);

    public string Source { get; }
    private readonly List<string> _columns;
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>The index of a column by name; a clear error naming the columns there are.</summary>
    public int IndexOf(string column)
    {
        var i = _columns.IndexOf(column);
        return i >= 0 ? i : throw new FormatException($"{Source} has no column '{column}' (columns: {string.Join(", ", Columns)})");
    }

    /// <summary>The rows after the header, each with as many fields as the header names (else an error with its line).</summary>
    public IEnumerable<(long Line, IReadOnlyList<string> Fields)> Rows()
    {
        while (true)
        {
            var line = _line;
            var record = ReadRecord();
            if (record is null) yield break;
            if (record.Count == 1 && record[0].Length == 0) continue; // A blank line.
            if (record.Count != Columns.Count)
                throw new FormatException($"{Source} line {line}: {record.Count} fields, the header names {Columns.Count}");
            yield return (line, record);
        }
    }

    private List<string>? ReadRecord()
    {
        var c = _reader.Read();
        if (c < 0) return null;
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var startOfField = true;
        while (true)
        {
            if (quoted)
            {
                if (c < 0) throw new FormatException($"{Source} line {_line}: a quoted field is not closed");
                if (c == '"')
                {
                    if (_reader.Peek() == '"') { _reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (c == '\n') _line++;
                    field.Append((char)c);
                }
            }
            else if (c == '"' && startOfField) quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); startOfField = true; c = _reader.Read(); continue; }
            else if (c is '\n' or -1 || (c == '\r' && _reader.Peek() == '\n'))
            {
                if (c == '\r') _reader.Read();
                if (c != -1) _line++;
                fields.Add(field.ToString());
                return fields;
            }
            else if (c == '"') throw new FormatException($"{Source} line {_line}: a quote inside an unquoted field (quote the field and double the quote)");
            else field.Append((char)c);
            startOfField = false;
            c = _reader.Read();
        }
    }

    public void Dispose() => _reader.Dispose();
}
