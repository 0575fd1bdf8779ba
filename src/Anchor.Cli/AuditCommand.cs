using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Checkpoints;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor audit --redis HOST:PORT [--redis-password-file F] --origin O [--log-key VKEY] [--rpc CHAINID=URL]... [--json]</c>: reads a log straight from
/// Redis, recomputes its tree from the stored entries and names every entry, tile, checkpoint or index
/// or anchor that does not agree. Exit 0 only when nothing differs.
/// </summary>
public static class AuditCommand
{
    /// <summary>Logs at least this large get a progress bar on stderr.</summary>
    private const ulong ProgressFrom = 4096;

    public static Command Build()
    {
        var redis = new Option<string>("--redis") { Description = "The log's Redis, as HOST:PORT or a StackExchange.Redis connection string.", Required = true };
        var passwordFile = new Option<string?>("--redis-password-file") { Description = "A file holding the Redis password (deploy/quickstart.sh writes STATE/redis-password): kept out of the command line, which other users can list." };
        var origin = new Option<string>("--origin") { Description = "The log's origin (its checkpoints' first line).", Required = true };
        var logKey = new Option<string?>("--log-key") { Description = "The log's verifier key (vkey, from GET /v1/node); without it checkpoint signatures are not checked." };
        var rpc = RpcOption.Create();
        var command = new Command("audit", "Recompute a log from its stored entries and check every tile, checkpoint, index and anchor against it.") { redis, passwordFile, origin, logKey, rpc };
        command.SetAction(async (parseResult, ct) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var json = parseResult.GetValue(GlobalOptions.Json);
            VerifierKey? key = null;
            if (parseResult.GetValue(logKey) is { } vkey && !VerifierKey.TryParse(vkey, out key, out var keyError))
                return CliErrors.Fail(parseResult, $"--log-key: {keyError}");
            var name = parseResult.GetValue(origin)!;
            if (key is not null && key.Name != name) return CliErrors.Fail(parseResult, $"--log-key names '{key.Name}', not the origin '{name}'");
            if (!RpcOption.TryParse(parseResult, rpc, out var chains, out var rpcExit)) return rpcExit;

            ConfigurationOptions config;
            try { config = ConfigurationOptions.Parse(parseResult.GetValue(redis)!); }
            catch (ArgumentException e) { return CliErrors.Fail(parseResult, $"--redis: {e.Message}"); }
            config.AbortOnConnectFail = false;
            if (parseResult.GetValue(passwordFile) is { } file)
            {
                try { config.Password = (await File.ReadAllTextAsync(file, ct)).Trim(); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return CliErrors.Fail(parseResult, $"--redis-password-file: {e.Message}"); }
            }
            using var connection = await ConnectionMultiplexer.ConnectAsync(config);
            // The endpoints only: a connection string may carry a password.
            if (!connection.IsConnected) return CliErrors.Fail(parseResult, $"cannot reach Redis at {string.Join(", ", config.EndPoints)}", "unreachable");

            var bar = json ? null : new ProgressBar(parseResult.InvocationConfiguration.Error);
            AuditReport report;
            try
            {
                report = await new LogAudit(connection, name).RunAsync(key, chains, bar, ct);
            }
            catch (RedisException e)
            {
                return CliErrors.Fail(parseResult, $"Redis failed during the audit: {e.Message}", "unreachable");
            }
            finally
            {
                bar?.Done();
            }

            if (json)
            {
                output.WriteLine(new JsonObject
                {
                    ["ok"] = report.Clean,
                    ["origin"] = report.Origin,
                    ["size"] = report.Size.ToString(CultureInfo.InvariantCulture),
                    ["signaturesChecked"] = report.SignaturesChecked,
                    ["keptCheckpoints"] = report.KeptCheckpoints.ToString(CultureInfo.InvariantCulture),
                    ["anchors"] = report.Anchors.ToString(CultureInfo.InvariantCulture),
                    ["uncheckedChains"] = new JsonArray([.. report.UncheckedChains.Select(c => (JsonNode)c)]),
                    ["findings"] = new JsonArray([.. report.Findings.Select(f => (JsonNode)new JsonObject { ["subject"] = f.Subject, ["problem"] = f.Problem })]),
                }.ToJsonString());
            }
            else
            {
                foreach (var f in report.Findings) output.WriteLine($"{f.Subject}: {f.Problem}");
                if (!report.SignaturesChecked) output.WriteLine("note: checkpoint signatures were not checked (pass --log-key)");
                foreach (var chain in report.UncheckedChains) output.WriteLine($"note: anchors on chain {chain} were checked against the tree only (pass --rpc {chain}=URL)");
                output.WriteLine(report.Clean
                    ? $"audit of {report.Origin} at size {report.Size}: entries, tiles, {report.KeptCheckpoints + 1} checkpoint(s), {report.Anchors} anchor(s) and indexes agree"
                    : $"audit of {report.Origin} at size {report.Size}: {report.Findings.Count} problem(s) in {report.Findings.Select(f => f.Subject).Distinct().Count()} object(s)");
            }
            return report.Clean ? 0 : 1;
        });
        return command;
    }

    /// <summary>A one-line bar on stderr, redrawn at most once per percent; silent for small logs.</summary>
    private sealed class ProgressBar(TextWriter error) : IProgress<(ulong Done, ulong Total)>
    {
        private int _shown = -1;

        public void Report((ulong Done, ulong Total) value)
        {
            if (value.Total < ProgressFrom) return;
            var percent = (int)(value.Done * 100 / value.Total);
            if (percent == _shown) return;
            _shown = percent;
            error.Write($"\rreading entries [{new string('#', percent / 4),-25}] {percent,3}% {value.Done}/{value.Total}");
        }

        public void Done()
        {
            if (_shown >= 0) error.WriteLine();
        }
    }
}
