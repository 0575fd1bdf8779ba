using System.CommandLine;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor keygen --alg ALG --out FILE [--force] [--json]</c>: makes a signing key, writes its key file (mode 0600)
/// and prints the public key descriptor that <c>POST /v1/admin/providers</c> takes.
/// </summary>
public static class KeygenCommand
{
    public static Command Build()
    {
        var alg = new Option<string>("--alg")
        {
            Description = "Signature algorithm of the new key.",
            Required = true,
        };
        alg.AcceptOnlyFromAmong([.. SignatureAlgs.All.Select(SignatureAlgs.ToWire)]);
        var output = new Option<string>("--out")
        {
            Description = "Key file to create (JSON with the private key; written with mode 0600).",
            HelpName = "FILE",
            Required = true,
        };
        var force = new Option<bool>("--force") { Description = "Replace the key file if it exists (the old key is lost)." };

        var command = new Command("keygen", "Generate a signing key: write its key file and print its public descriptor for the admin API.")
        {
            alg, output, force,
        };
        command.SetAction(parseResult =>
        {
            SignatureAlgs.TryParse(parseResult.GetValue(alg), out var chosen); // AcceptOnlyFromAmong already refused other names
            return Run(chosen, parseResult.GetValue(output)!, parseResult.GetValue(force), parseResult.GetValue(GlobalOptions.Json),
                parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        });
        return command;
    }

    private static int Run(SignatureAlg alg, string path, bool force, bool json, TextWriter output, TextWriter error)
    {
        if (!force && File.Exists(path)) return AlreadyExists(path, error); // before generating: an RSA key takes a while
        using var key = SigningKey.Generate(alg);
        try
        {
            KeyFile.Save(path, key, overwrite: force);
        }
        catch (IOException) when (!force && File.Exists(path)) // created meanwhile by someone else
        {
            return AlreadyExists(path, error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"error: cannot write {path}: {e.Message}");
            return 1;
        }

        var descriptor = key.Descriptor.ToJson();
        if (json)
        {
            output.WriteLine(JsonOutput.Line(descriptor));
        }
        else
        {
            output.WriteLine($"Wrote a new {SignatureAlgs.ToWire(alg)} key to {path} (mode 0600). Keep it secret.");
            output.WriteLine("Public key descriptor for the admin API (add a \"keyId\"):");
            output.WriteLine(descriptor.ToJsonString(JsonOutput.Indented));
        }
        return 0;
    }

    private static int AlreadyExists(string path, TextWriter error)
    {
        error.WriteLine($"error: {path} already exists; not replacing a key file without --force");
        return 1;
    }
}
