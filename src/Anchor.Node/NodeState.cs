using System.Security.Cryptography;
using Anchor.Core.Checkpoints;

namespace Anchor.Node;

/// <summary>
/// The node's secrets in its state folder: the log key seed and the admin token. Generated at first
/// start, written mode 0600, never logged. Several silos of one log share the folder (or copies of it),
/// as they must sign with one key.
/// </summary>
public static class NodeState
{
    public const string LogKeyFile = "log-key.seed";
    public const string AdminTokenFile = "admin-token";
    /// <summary>The folder of the checkpoint witness (<see cref="Anchor.Storage.CheckpointWitness"/>), one pair of files per log.</summary>
    public const string WitnessDir = "witness";

    /// <summary>
    /// The witness folder of a log other than the configured one: a folder per log under <see cref="WitnessDir"/>, named
    /// by the first 8 bytes of SHA-256 of its origin in hex (origins may hold '/').
    /// </summary>
    public static string WitnessDirOf(string stateDir, string origin) =>
        Path.Combine(stateDir, WitnessDir, Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(origin)).AsSpan(0, 8)));

    public static NoteSigner LoadLogKey(string stateDir, string origin)
    {
        var seed = ReadOrCreate(Path.Combine(stateDir, LogKeyFile), () => RandomNumberGenerator.GetBytes(32));
        if (seed.Length != 32) throw new NodeStartupException($"{Path.Combine(stateDir, LogKeyFile)} must hold a 32-byte Ed25519 seed, it holds {seed.Length} bytes");
        return NoteSigner.FromSeed(origin, seed);
    }

    public static string LoadAdminToken(string stateDir) =>
        System.Text.Encoding.ASCII.GetString(ReadOrCreate(Path.Combine(stateDir, AdminTokenFile),
            () => System.Text.Encoding.ASCII.GetBytes(Base64Url(RandomNumberGenerator.GetBytes(32))))).Trim();

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] ReadOrCreate(string path, Func<byte[]> create)
    {
        if (File.Exists(path)) return File.ReadAllBytes(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); // 0700: it holds secrets.
        var bytes = create();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using var file = new FileStream(path, options);
            file.Write(bytes);
            file.Flush(flushToDisk: true);
            return bytes;
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another silo sharing the folder created it first: use theirs, so both sign alike.
            return File.ReadAllBytes(path);
        }
    }
}
