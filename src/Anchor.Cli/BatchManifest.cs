using System.Text;
using Anchor.Core;
using Anchor.Core.Records;

namespace Anchor.Cli;

/// <summary>One record of a batch: where it came from (a file, or a manifest line), its digest, contract and kind.</summary>
public sealed record BatchItem(string Source, string Hash, string ContractId, string Kind);

/// <summary>
/// What <c>anchor submit --batch</c> submits: every regular file of a folder (sorted by name, not recursive), or the
/// lines of a CSV manifest. The manifest's first line names its columns: <c>file</c> or <c>hash</c> (exactly one of
/// them: a document, relative to the manifest's folder, or its digest in hex), <c>contractId</c> and <c>kind</c>
/// (each optional when --contract or --kind gives it for every record). Fields may be quoted as RFC 4180 has it.
/// </summary>
public static class BatchManifest
{
    /// <exception cref="FormatException">The manifest is not one as documented; the message names the line.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static List<BatchItem> Read(string source, string hashAlg, string? contract, string? kind)
    {
        if (Directory.Exists(source))
        {
            var files = Directory.GetFiles(source).Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new FormatException($"{source} holds no files");
            // A folder of documents names neither contract nor kind: --contract gives one contract for all, else each
            // file's name is its contract ID.
            var k = kind ?? throw new FormatException("--batch with a folder needs --kind (the kind of every file)");
            return [.. files.Select(f => new BatchItem(f, Digest(hashAlg, f), contract ?? Path.GetFileName(f), k))];
        }
        if (!File.Exists(source)) throw new FileNotFoundException($"{source} is neither a folder nor a manifest file", source);
        return ReadCsv(source, hashAlg, contract, kind);
    }

    private static List<BatchItem> ReadCsv(string path, string hashAlg, string? contract, string? kind)
    {
        var lines = File.ReadAllLines(path, Encoding.UTF8);
        if (lines.Length == 0) throw new FormatException($"{path} is empty: its first line names the columns (file or hash, contractId, kind)");
        var header = Fields(lines[0], path, 1).Select(h => h.Trim()).ToList();
        int Column(string name) => header.IndexOf(name);
        var (file, hash, contractColumn, kindColumn) = (Column("file"), Column("hash"), Column("contractId"), Column("kind"));
        if ((file < 0) == (hash < 0)) throw new FormatException($"{path} line 1: name exactly one of the columns 'file' and 'hash' (columns: {string.Join(", ", header)})");
        if (contractColumn < 0 && contract is null) throw new FormatException($"{path} line 1: no 'contractId' column, and no --contract for every record");
        if (kindColumn < 0 && kind is null) throw new FormatException($"{path} line 1: no 'kind' column, and no --kind for every record");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var items = new List<BatchItem>();
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var fields = Fields(lines[i], path, i + 1);
            if (fields.Count != header.Count) throw new FormatException($"{path} line {i + 1}: {fields.Count} fields, the header names {header.Count}");
            var recordContract = contractColumn >= 0 && fields[contractColumn].Length > 0 ? fields[contractColumn] : contract
                ?? throw new FormatException($"{path} line {i + 1}: no contractId");
            var recordKind = kindColumn >= 0 && fields[kindColumn].Length > 0 ? fields[kindColumn] : kind
                ?? throw new FormatException($"{path} line {i + 1}: no kind");
            if (file >= 0)
            {
                var document = Path.Combine(folder, fields[file]);
                items.Add(new BatchItem(fields[file], Digest(hashAlg, document), recordContract, recordKind));
            }
            else items.Add(new BatchItem($"line {i + 1}", fields[hash], recordContract, recordKind));
        }
        if (items.Count == 0) throw new FormatException($"{path} names no records");
        return items;
    }

    /// <summary>One CSV line's fields: commas separate, a quoted field may hold commas and doubled quotes.</summary>
    private static List<string> Fields(string line, string path, int number)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c != '"') field.Append(c);
                else if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                else quoted = false;
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted) throw new FormatException($"{path} line {number}: a quoted field is not closed");
        fields.Add(field.ToString().TrimEnd('\r'));
        return fields;
    }

    private static string Digest(string hashAlg, string file)
    {
        using var stream = File.OpenRead(file);
        return Hex.Encode(EvidenceDigest.Compute(hashAlg, stream));
    }
}
