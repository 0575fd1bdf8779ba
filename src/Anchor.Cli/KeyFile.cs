using System.Diagnostics.CodeAnalysis;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// Key files on disk: the JSON of <see cref="SigningKey.Export"/>, readable by the owner only; one line of 0x-hex
/// secp256k1 secret (the older account key file) is read as an eth-personal key. Every command that signs loads its key
/// here (the chain verbs through Anchor.Chain's AccountKey, which reads the same two forms), so a missing, unreadable or
/// malformed file gets the same one-line error everywhere.
/// </summary>
public static class KeyFile
{
    /// <summary>Owner read and write: the file holds a private key (like an ssh identity).</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static bool TryLoad(string path, [NotNullWhen(true)] out SigningKey? key, out string error)
    {
        key = null;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            error = $"key file {path} does not exist";
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot read key file {path}: {e.Message}";
            return false;
        }
        // The one-line form that account key files had before keygen wrote them: a 0x-hex secp256k1 secret, read as an
        // eth-personal key, so the same file serves `chain` and the signing verbs alike.
        if (!text.TrimStart().StartsWith('{'))
        {
            var hex = text.Trim();
            hex = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
            if (hex.Length == 64 && Core.Hex.TryDecode(hex, out var secret))
            {
                try
                {
                    if (SigningKey.TryFromPrivateKey(SignatureAlg.EthPersonal, secret, out key, out error)) return true;
                    error = $"key file {path} is malformed: {error}";
                    return false;
                }
                finally { System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret); }
            }
            error = $"key file {path} is malformed: it holds neither a key file of `anchor keygen` (JSON) nor one line of 0x-hex secp256k1 private key";
            return false;
        }
        if (!SigningKey.TryImport(text, out key, out error))
        {
            error = $"key file {path} is malformed: {error}";
            return false;
        }
        return true;
    }

    /// <summary>
    /// The key ID a provider uses when it names none: "key-" and the first 8 bytes of SHA-256 over the
    /// canonical public descriptor, so the same key always gets the same ID.
    /// </summary>
    public static string DefaultKeyId(SigningKey key) =>
        "key-" + Core.Hex.Encode(System.Security.Cryptography.SHA256.HashData(Core.Json.Jcs.Encode(key.Descriptor.ToJson())).AsSpan(0, 8));

    /// <summary>Loads a key file, throwing when <see cref="TryLoad"/> would fail.</summary>
    /// <exception cref="IOException">
    /// The file is missing (<see cref="FileNotFoundException"/>), unreadable or not a key file; the message is one line
    /// naming the file and the reason, fit to print as it is.
    /// </exception>
    public static SigningKey Load(string path)
    {
        if (TryLoad(path, out var key, out var error)) return key;
        throw File.Exists(path) ? new IOException(error) : new FileNotFoundException(error, path);
    }

    /// <summary>
    /// Writes a new key file with mode 0600 from the first byte, never a moment world-readable. Without
    /// <paramref name="overwrite"/> an existing file is left alone (the check and the creation are one system call);
    /// with it, the new file is written beside the old one and renamed over it, so a crash leaves one whole key.
    /// </summary>
    /// <exception cref="IOException">The file exists (and not <paramref name="overwrite"/>), or it cannot be written.</exception>
    public static void Save(string path, SigningKey key, bool overwrite)
    {
        var target = Path.GetFullPath(path);
        var written = overwrite ? Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp") : target;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Mode;
        try
        {
            using (var stream = new FileStream(written, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(key.Export());
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            if (overwrite) File.Move(written, target, overwrite: true);
        }
        catch when (overwrite)
        {
            if (File.Exists(written)) File.Delete(written); // and rethrow the original: a missing directory, a full disk
            throw;
        }
    }
}
