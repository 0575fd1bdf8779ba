using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Chain;
using Anchor.Core.Checkpoints;
using Anchor.Core.Verification;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Cli;

/// <summary>
/// <c>anchor audit --redis HOST:PORT [--redis-password-file F] --origin O [--trust FILE | --log-key VKEY] [--rpc CHAINID=URL]... [--json]</c>:
/// reads a log straight from Redis, recomputes its tree from the stored entries and names every entry, tile, checkpoint,
/// index, key registration, anchor or TSA time-stamp that does not agree. Anchors are checked on chain against the trust
/// file's registry, operator and log ID (the node serves its own at GET /v1/trust), never against what the stored records
/// say. Exit 0 only when nothing differs.
/// A cluster of many logs is audited whole: every log its registry lists (<see cref="LogSet"/>, kept under the origin's hash
/// tag), one report each, or the one named by <c>--log</c>. A log other than <c>--origin</c> is checked under its own
/// entry in the trust file, else under the node's key with that log's name (every log of a node is signed by one key);
/// only <c>--origin</c>'s anchors are checked on chain, since only the default log is anchored.
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
        var trust = new Option<string?>("--trust") { Description = "Trust file (anchor-trust/v1, e.g. from GET /v1/trust): the log key, and per chain the registry, operator and log ID that anchors are checked against." };
        var logKey = new Option<string?>("--log-key") { Description = "The log's verifier key (vkey, from GET /v1/node) alone; without it or --trust checkpoint signatures are not checked." };
        var only = new Option<string?>("--log") { Description = "Audit only this log of the cluster (default: every log the cluster's registry lists)." };
        var rpc = RpcOption.Create();
        var command = new Command("audit", "Recompute a log from its stored entries and check every tile, checkpoint, index, key registration, anchor and TSA time-stamp against it.") { redis, passwordFile, origin, only, trust, logKey, rpc };
        command.SetAction(async (parseResult, ct) =>
        {
            var name = parseResult.GetValue(origin)!;
            if (!TrustOptions.TryRead(parseResult, trust, logKey, out var trustFile, out var trustExit)) return trustExit;
            if (!TryTrustedLog(parseResult, trustFile, parseResult.GetValue(logKey) is not null, name, out var key, out var trustedChains, out trustExit)) return trustExit;
            if (!RpcOption.TryParse(parseResult, rpc, out var chains, out var rpcExit)) return rpcExit;
            if (chains.Count > 0 && trustedChains.Count == 0)
                return CliErrors.Fail(parseResult, "--rpc needs --trust FILE: anchors are checked on chain against the registry, operator and log ID you trust");

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

            // Every (size, root) the chains hold for the trusted log IDs, to compare with the log at each of those sizes.
            var onChain = new List<OnChainAnchor>();
            foreach (var (chainId, url) in RpcUrls(parseResult.GetValue(rpc)))
            {
                foreach (var chain in trustedChains.Where(c => c.ChainId == chainId))
                {
                    try
                    {
                        var events = await AnchoredEventHistory.ReadAsync(url, ulong.Parse(chainId, NumberStyles.None, CultureInfo.InvariantCulture), chain.Registry,
                            Convert.FromHexString(chain.LogId.StartsWith("0x", StringComparison.Ordinal) ? chain.LogId[2..] : chain.LogId), 0, ct);
                        onChain.AddRange(events.Select(e => new OnChainAnchor(chainId, e.TreeSize, Convert.ToHexStringLower(e.Root), e.TxHash)));
                    }
                    catch (Exception e) when (e is ChainException or HttpRequestException or TaskCanceledException or Nethereum.JsonRpc.Client.RpcResponseException
                        or Nethereum.JsonRpc.Client.RpcClientUnknownException or FormatException or OverflowException)
                    {
                        return CliErrors.Fail(parseResult, $"cannot read the anchors of log ID {chain.LogId} on chain {chainId}: {e.Message}", "unreachable");
                    }
                }
            }

            var set = new LogSet(connection, new LogStore(connection, name), o => new LogStore(connection, o));
            List<string> origins;
            try { origins = [.. (await set.ListAsync()).Select(l => l.Origin)]; }
            catch (RedisException e) { return CliErrors.Fail(parseResult, $"cannot read the cluster's logs: {e.Message}", "unreachable"); }
            if (parseResult.GetValue(only) is { } one)
            {
                if (!origins.Contains(one, StringComparer.Ordinal)) return CliErrors.Fail(parseResult, $"the cluster of '{name}' has no log '{one}' (it has {string.Join(", ", origins)})");
                origins = [one];
            }
            var clean = true;
            foreach (var audited in origins)
            {
                var isDefault = audited == name;
                var auditKey = isDefault ? key : trustFile?.Log(audited) is { Keys.Count: 1 } listed ? VerifierKey.Parse(listed.Keys[0])
                    : key is null ? null : VerifierKey.ForEd25519(audited, key.PublicKey);
                var exit = await AuditOneAsync(parseResult, connection, audited, auditKey, isDefault ? trustedChains : [], isDefault ? chains : new Dictionary<string, IAnchorLookup>(),
                    isDefault ? onChain : [], ct);
                clean &= exit == 0;
            }
            return clean ? 0 : 1;
        });
        return command;
    }

    /// <summary>One log's audit and its report: 0 when clean, 1 when it found problems or Redis failed (said on stderr).</summary>
    private static async Task<int> AuditOneAsync(ParseResult parseResult, ConnectionMultiplexer connection, string name, VerifierKey? key,
        IReadOnlyList<TrustedChain> trustedChains, IReadOnlyDictionary<string, IAnchorLookup> chains, List<OnChainAnchor> onChain, CancellationToken ct)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var json = parseResult.GetValue(GlobalOptions.Json);
        var bar = new ProgressBar(parseResult.InvocationConfiguration.Error);
        AuditReport report;
        try
        {
            report = await new LogAudit(connection, name).RunAsync(key, trustedChains, chains, onChain, bar, ct);
        }
        catch (RedisException e)
        {
            return CliErrors.Fail(parseResult, $"Redis failed during the audit: {e.Message}", "unreachable");
        }
        finally
        {
            bar.Done();
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
                ["chainAnchors"] = report.ChainAnchors.ToString(CultureInfo.InvariantCulture),
                ["unlisted"] = report.Unlisted.ToString(CultureInfo.InvariantCulture),
                ["timestamps"] = report.Timestamps.ToString(CultureInfo.InvariantCulture),
                ["uncheckedChains"] = new JsonArray([.. report.UncheckedChains.Select(c => (JsonNode)c)]),
                ["findings"] = new JsonArray([.. report.Findings.Select(f => (JsonNode)new JsonObject { ["subject"] = f.Subject, ["problem"] = f.Problem })]),
            }.ToJsonString());
        }
        else
        {
            foreach (var f in report.Findings) output.WriteLine($"{f.Subject}: {f.Problem}");
            if (report.Unlisted > 0) output.WriteLine($"... and {report.Unlisted} more problem(s) not listed");
            if (!report.SignaturesChecked) output.WriteLine("note: checkpoint signatures were not checked (pass --trust or --log-key)");
            foreach (var chain in report.UncheckedChains)
                output.WriteLine($"note: anchors on chain {chain} were checked against the tree only (pass --trust with that chain's registry and operator, and --rpc {chain}=URL)");
            output.WriteLine(report.Clean
                ? $"audit of {report.Origin} at size {report.Size}: entries, tiles, {report.KeptCheckpoints + 1} checkpoint(s), {report.Anchors} anchor(s), {(report.ChainAnchors > 0 ? $"{report.ChainAnchors} on-chain anchor(s), " : "")}{report.Timestamps} time-stamp(s) and indexes agree"
                : $"audit of {report.Origin} at size {report.Size}: {report.Findings.Count + report.Unlisted} problem(s){(report.Unlisted > 0 ? "" : $" in {report.Findings.Select(f => f.Subject).Distinct().Count()} object(s)")}");
        }
        return report.Clean ? 0 : 1;
    }

    /// <summary>The log key and chains to audit with: the trust file's entry for <paramref name="origin"/>, which must name one key.</summary>
    private static bool TryTrustedLog(ParseResult parseResult, TrustFile? trustFile, bool fromLogKey, string origin, out VerifierKey? key,
        out IReadOnlyList<TrustedChain> chains, out int exitCode)
    {
        key = null;
        chains = [];
        exitCode = 0;
        if (trustFile is null) return true;
        if (trustFile.Log(origin) is not { } log)
        {
            var names = string.Join(", ", trustFile.Logs.Select(l => $"'{l.Origin}'"));
            exitCode = CliErrors.Fail(parseResult, fromLogKey
                ? $"--log-key names {names}, not the origin '{origin}'"
                : $"the trust file lists no log '{origin}' (it lists {names})");
            return false;
        }
        if (log.Keys.Count != 1)
        {
            exitCode = CliErrors.Fail(parseResult, $"the trust file lists {log.Keys.Count} keys for '{origin}'; the audit checks checkpoints under one");
            return false;
        }
        key = VerifierKey.Parse(log.Keys[0]);
        chains = log.Chains;
        return true;
    }

    /// <summary>
    /// A one-line bar on stderr for logs of at least <see cref="ProgressFrom"/> entries, redrawn at most once per percent
    /// or every 2 seconds, with the rate and the time left, so that an audit of hours shows it is moving; silent for small
    /// logs. Stdout (the report, or --json) is untouched.
    /// </summary>
    private sealed class ProgressBar(TextWriter error) : IProgress<(ulong Done, ulong Total)>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _shown = -1;
        private TimeSpan _drawnAt;

        public void Report((ulong Done, ulong Total) value)
        {
            if (value.Total < ProgressFrom) return;
            var percent = (int)(value.Done * 100 / value.Total);
            if (percent == _shown && _clock.Elapsed - _drawnAt < TimeSpan.FromSeconds(2)) return;
            (_shown, _drawnAt) = (percent, _clock.Elapsed);
            var rate = value.Done / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            var left = rate > 0 ? TimeSpan.FromSeconds((value.Total - value.Done) / rate) : TimeSpan.Zero;
            error.Write(string.Create(CultureInfo.InvariantCulture,
                $"\rauditing entries [{new string('#', percent / 4),-25}] {percent,3}% {value.Done}/{value.Total}, {rate:F0}/s, {left:hh\\:mm\\:ss} left "));
        }

        public void Done()
        {
            if (_shown >= 0) error.WriteLine();
        }
    }

    /// <summary>The (chain ID, URL) pairs of --rpc, already checked by <see cref="RpcOption.TryParse"/>.</summary>
    private static IEnumerable<(string ChainId, string Url)> RpcUrls(string[]? specs) =>
        (specs ?? []).Select(spec => (spec[..spec.IndexOf('=')], spec[(spec.IndexOf('=') + 1)..]));
}
