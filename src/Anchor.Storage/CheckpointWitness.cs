using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Records;

namespace Anchor.Storage;

/// <summary>
/// The last checkpoint this node handed out, in a file beside the node (not in Redis): if Redis loses what it had
/// acknowledged (an AOF cut by a power loss, a restore from an older copy), the witness still shows how far the log was,
/// and the sequencer refuses to give those indices again. Kept in two slots, <c>DIR/ID.a</c> and <c>DIR/ID.b</c>
/// (ID from the origin), written in turn and fsynced: a write torn by a crash spoils only the slot being written, which
/// was not handed out yet, and the other slot still holds the one before. A slot counts only if it is a checkpoint of this
/// log signed by its key. Files are 0600, the folder 0700.
/// </summary>
/// <remarks>Not thread-safe: one writer, the log's sequencer, which also reloads it (<see cref="Reload"/>) when it loads the head.</remarks>
public sealed class CheckpointWitness
{
    private readonly string _directory;
    private readonly string[] _slots;
    private readonly VerifierKey _key;
    private int _next;

    public CheckpointWitness(string directory, VerifierKey key)
    {
        _directory = Path.GetFullPath(directory);
        _key = key;
        var id = Hex.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(key.Name)).AsSpan(0, 8));
        _slots = [Path.Combine(_directory, id + ".a"), Path.Combine(_directory, id + ".b")];
        Reload();
    }

    /// <summary>
    /// Reads the slots again: silos sharing a state folder share the witness, so a sequencer that takes over from another
    /// silo first reads what that one handed out, and writes after it.
    /// </summary>
    public void Reload()
    {
        var (latest, slot, problems) = ReadSlots();
        Latest = latest;
        Problems = problems;
        _next = latest is null ? 0 : 1 - slot;
    }

    /// <summary>The checkpoint of the largest size the slots hold, or null before the first was handed out.</summary>
    public Checkpoint? Latest { get; private set; }

    /// <summary>Slots that exist but hold no checkpoint of this log (torn, or signed by another key): one line each.</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];

    /// <summary>Where the slots are, for messages to the operator.</summary>
    public string Location => Path.Combine(_directory, Path.GetFileNameWithoutExtension(_slots[0]) + ".{a,b}");

    /// <summary>
    /// Makes <paramref name="note"/> (a checkpoint of size <paramref name="size"/>) the latest handed out, on disk, before it
    /// is: writes the older slot and fsyncs it. Nothing is written for a checkpoint no larger than the latest.
    /// </summary>
    public async Task RecordAsync(string note, ulong size)
    {
        if (Latest is { } latest && latest.Size >= size) return;
        var checkpoint = Checkpoint.Verify(note, _key);
        var path = _slots[_next];
        var created = !File.Exists(path);
        if (created) CreateDirectory();
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var file = new FileStream(path, options))
        {
            await file.WriteAsync(Encoding.UTF8.GetBytes(note)).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
        // A new file is only durable once its directory entry is.
        if (created) SyncDirectory(_directory);
        Latest = checkpoint;
        _next = 1 - _next;
    }

    private (Checkpoint? Latest, int Slot, List<string> Problems) ReadSlots()
    {
        Checkpoint? latest = null;
        var slot = 0;
        var problems = new List<string>();
        for (var i = 0; i < _slots.Length; i++)
        {
            if (!File.Exists(_slots[i])) continue;
            try
            {
                var checkpoint = Checkpoint.Verify(File.ReadAllText(_slots[i]), _key);
                if (latest is null || checkpoint.Size > latest.Size) (latest, slot) = (checkpoint, i);
            }
            catch (Exception ex) when (ex is AnchorException or NoteError or FormatException or ArgumentException)
            {
                problems.Add($"{_slots[i]} holds no checkpoint of {_key.Name} signed by its key ({ex.Message})");
            }
        }
        return (latest, slot, problems);
    }

    private void CreateDirectory()
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(_directory);
        else Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        SyncDirectory(Path.GetDirectoryName(_directory)!);
    }

    /// <summary>fsync of a directory (.NET opens no directory handles, so libc's open and fsync); a no-op off Linux.</summary>
    private static void SyncDirectory(string path)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = Open([.. Encoding.UTF8.GetBytes(path), 0], 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
