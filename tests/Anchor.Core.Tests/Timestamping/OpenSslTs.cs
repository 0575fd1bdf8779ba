using System.Diagnostics;

namespace Anchor.Core.Tests.Timestamping;

/// <summary>`openssl ts -verify`: a second implementation, not ours, that checks the tokens we accept and store.</summary>
public static class OpenSslTs
{
    /// <summary>
    /// Runs <c>openssl ts -verify -in TOKEN -token_in -digest HEX -CAfile ROOT</c>; returns its exit code and output
    /// ("Verification: OK" on success).
    /// </summary>
    public static async Task<(int Exit, string Output)> VerifyAsync(byte[] token, byte[] digest, string rootPemFile)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, token);
            var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "ts", "-verify", "-in", file, "-token_in", "-digest", Convert.ToHexStringLower(digest), "-CAfile", rootPemFile })
                start.ArgumentList.Add(a);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await output + await error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
