using System.CommandLine;
using System.Text.Json.Nodes;
using Anchor.Core.Signatures;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor admin provider add|list|show|add-key|revoke-key|rotate-read-token</c>: the operator's provider registry,
/// authenticated with the admin token from a file or the environment.
/// </summary>
public static class AdminCommands
{
    public static Command Build()
    {
        var provider = new Command("provider", "Register providers and manage their keys.")
        {
            Add(), List(), Show(), AddKey(), RevokeKey(), RotateReadToken(), Move(),
        };
        return new Command("admin", "Operator commands (need the admin token).") { provider };
    }

    private static Command Add()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID (used in every submission).", Required = true };
        var name = new Option<string>("--name") { Description = "A readable name.", Required = true };
        var keys = new Option<string[]>("--key") { Description = "A key file (only its public part is sent); repeatable.", Required = true };
        var keyIds = new Option<string[]>("--key-id") { Description = "The ID of each --key, in order (default: the key's fingerprint)." };
        var certificates = Certificates("each --key, in order");
        var log = new Option<string>("--log") { Description = "The log the provider submits to (default: the node picks the least loaded open log)." };
        var command = new Command("add", "Register a provider with one or more keys; prints its read token once. Each key signs its registration (proof of possession) and becomes an entry in its log.")
        {
            id, name, keys, keyIds, certificates, log,
        };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var files = parseResult.GetValue(keys)!;
            var ids = parseResult.GetValue(keyIds) ?? [];
            var chains = parseResult.GetValue(certificates) ?? [];
            if (ids.Length > files.Length) return CliErrors.Fail(parseResult, "more --key-id than --key");
            if (chains.Length > files.Length) return CliErrors.Fail(parseResult, "more --certificate than --key");
            var keyList = new JsonArray();
            for (var i = 0; i < files.Length; i++)
            {
                if (!TryKey(parseResult, parseResult.GetValue(id)!, files[i], i < ids.Length ? ids[i] : null, i < chains.Length ? chains[i] : null,
                    out var key, out var exit)) return exit;
                keyList.Add(key);
            }
            var registration = new JsonObject { ["id"] = parseResult.GetValue(id), ["name"] = parseResult.GetValue(name), ["keys"] = keyList };
            if (parseResult.GetValue(log) is { } chosen) registration["log"] = chosen;
            var answer = await client.PostAsync("v1/admin/providers", registration, ct);
            Print(parseResult, answer, $"registered provider {parseResult.GetValue(id)} on log {answer["log"]}; its read token (shown once): {answer["readToken"] ?? answer["token"]}");
            return 0;
        });
    }

    private static Command List()
    {
        var command = new Command("list", "List the registered providers.");
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var answer = await client.GetAsync("v1/admin/providers", ct);
            if (parseResult.GetValue(GlobalOptions.Json)) { Print(parseResult, answer, ""); return 0; }
            foreach (var p in answer["providers"] as JsonArray ?? [])
                parseResult.InvocationConfiguration.Output.WriteLine($"{p?["id"]}\t{p?["name"]}\t{(p?["keys"] as JsonArray)?.Count ?? 0} key(s)");
            return 0;
        });
    }

    private static Command Show()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID.", Required = true };
        var command = new Command("show", "Show one provider with its keys and their revocation times.") { id };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var answer = await client.GetAsync($"v1/admin/providers/{Uri.EscapeDataString(parseResult.GetValue(id)!)}", ct);
            Print(parseResult, answer, answer.ToJsonString(JsonOutput.Indented));
            return 0;
        });
    }

    private static Command AddKey()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID.", Required = true };
        var key = new Option<string>("--key") { Description = "The new key's file (only its public part is sent).", Required = true };
        var keyId = new Option<string?>("--key-id") { Description = "The new key's ID (default: its fingerprint)." };
        var certificate = new Option<string?>("--certificate") { Description = "The key's certificate chain (PEM, leaf first), when a CA certified it." };
        var command = new Command("add-key", "Add a key to a provider: it signs its registration (proof of possession) and becomes an entry in the log.")
        {
            id, key, keyId, certificate,
        };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            if (!TryKey(parseResult, parseResult.GetValue(id)!, parseResult.GetValue(key)!, parseResult.GetValue(keyId), parseResult.GetValue(certificate),
                out var descriptor, out var exit)) return exit;
            var answer = await client.PostAsync($"v1/admin/providers/{Uri.EscapeDataString(parseResult.GetValue(id)!)}/keys", descriptor, ct);
            Print(parseResult, answer, $"added key {descriptor["keyId"]} to {parseResult.GetValue(id)}");
            return 0;
        });
    }

    private static Command RevokeKey()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID.", Required = true };
        var keyId = new Option<string>("--key-id") { Description = "The key to revoke from now on (earlier entries stay valid).", Required = true };
        var command = new Command("revoke-key", "Revoke a provider key from this moment on.") { id, keyId };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var answer = await client.DeleteAsync(
                $"v1/admin/providers/{Uri.EscapeDataString(parseResult.GetValue(id)!)}/keys/{Uri.EscapeDataString(parseResult.GetValue(keyId)!)}", ct);
            Print(parseResult, answer, $"revoked key {parseResult.GetValue(keyId)} of {parseResult.GetValue(id)}");
            return 0;
        });
    }

    private static Command RotateReadToken()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID.", Required = true };
        var command = new Command("rotate-read-token", "Give a provider a new read token (printed once); the old one stops reading at once.") { id };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var answer = await client.PostAsync($"v1/admin/providers/{Uri.EscapeDataString(parseResult.GetValue(id)!)}/read-token", new JsonObject(), ct);
            Print(parseResult, answer, $"new read token of {parseResult.GetValue(id)} (shown once): {answer["readToken"]}");
            return 0;
        });
    }

    private static Command Move()
    {
        var id = new Option<string>("--id") { Description = "The provider's ID.", Required = true };
        var log = new Option<string>("--log") { Description = "The open log it moves to.", Required = true };
        var command = new Command("move", "Move a provider to another open log (its valid keys are registered there first); its records go there from then on.") { id, log };
        return WithNode(command, async (parseResult, client, ct) =>
        {
            var answer = await client.PostAsync($"v1/admin/providers/{Uri.EscapeDataString(parseResult.GetValue(id)!)}/move",
                new JsonObject { ["log"] = parseResult.GetValue(log) }, ct);
            Print(parseResult, answer, $"moved provider {parseResult.GetValue(id)} to log {answer["log"]}");
            return 0;
        });
    }

    /// <summary>Adds --node and --admin-token-file, opens an authenticated client, and turns node problems into one line.</summary>
    internal static Command WithNode(Command command, Func<ParseResult, NodeClient, CancellationToken, Task<int>> run)
    {
        var node = NodeOptions.Node();
        var tokenFile = NodeOptions.AdminTokenFile();
        command.Options.Add(node);
        command.Options.Add(tokenFile);
        command.SetAction(async (parseResult, ct) =>
        {
            if (!NodeOptions.TryAdminToken(parseResult, tokenFile, out var token, out var exit)) return exit;
            try
            {
                using var client = new NodeClient(parseResult.GetValue(node)!, token);
                return await run(parseResult, client, ct);
            }
            catch (NodeProblemException e)
            {
                return CliErrors.Fail(parseResult, e.Message, e.Code);
            }
        });
        return command;
    }

    private static Option<string[]> Certificates(string which) => new("--certificate")
    {
        Description = $"The certificate chain (PEM, leaf first) of {which}, when a CA certified it; the node checks it against its provider roots.",
    };

    /// <summary>
    /// The admin API's key object: the key file's public descriptor (with its certificate chain, if given), its ID, and its
    /// proof of possession, a signature by the key over its registration statement, so the operator never handles it.
    /// </summary>
    private static bool TryKey(ParseResult parseResult, string provider, string file, string? keyId, string? chainFile, out JsonObject key, out int exitCode)
    {
        key = [];
        if (!KeyFile.TryLoad(file, out var signingKey, out var error))
        {
            exitCode = CliErrors.Fail(parseResult, error);
            return false;
        }
        using (signingKey)
        {
            var descriptor = signingKey.Descriptor;
            if (chainFile is not null)
            {
                IReadOnlyList<byte[]> chain;
                try { chain = Anchor.Core.Identity.CertificateFile.Certificates(File.ReadAllBytes(chainFile), chainFile); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or Anchor.Core.Records.AnchorException)
                {
                    exitCode = CliErrors.Fail(parseResult, $"{chainFile}: {e.Message}");
                    return false;
                }
                if (chain.Count == 0) { exitCode = CliErrors.Fail(parseResult, $"{chainFile} holds no certificate"); return false; }
                descriptor = descriptor with { Certificates = [.. chain.Select(Convert.ToBase64String)] };
            }
            key = KeyObject(signingKey, provider, keyId ?? KeyFile.DefaultKeyId(signingKey), descriptor);
        }
        exitCode = 0;
        return true;
    }

    /// <summary>The admin API's key object: descriptor, ID, and the proof of possession signed with the key.</summary>
    internal static JsonObject KeyObject(SigningKey signingKey, string provider, string keyId, KeyDescriptor descriptor)
    {
        var key = descriptor.ToJson();
        key["keyId"] = keyId;
        key["pop"] = Convert.ToBase64String(signingKey.Sign(Anchor.Core.Records.Statements.KeyRegistration(provider, keyId, descriptor)));
        return key;
    }

    private static void Print(ParseResult parseResult, JsonObject answer, string text) =>
        parseResult.InvocationConfiguration.Output.WriteLine(parseResult.GetValue(GlobalOptions.Json) ? JsonOutput.Line(answer) : text);
}
