using System.Net;
using Anchor.Core.Checkpoints;

namespace Anchor.Node;

/// <summary>What the node requires of Redis before it acknowledges a record (<c>Anchor:Durability</c>).</summary>
public enum DurabilityMode
{
    Durable,
    Relaxed,
}

/// <summary>The node's settings: the <c>Anchor</c> section of appsettings.json, environment (<c>Anchor__Redis__Connection</c>) or command line.</summary>
public sealed class AnchorOptions
{
    public const string Section = "Anchor";

    /// <summary>The log's name: first line of every checkpoint, name of the log key. No spaces, no '+'.</summary>
    public string Origin { get; set; } = "";

    /// <summary>
    /// The root log's origin, or empty. When set, the sealing rounds anchor and time-stamp the root log, whose leaves are
    /// the checkpoints of the node's logs, instead of the log itself (docs/sealing.md, "The root log"); bundles gain its step.
    /// </summary>
    public string RootOrigin { get; set; } = "";

    /// <summary>Where the log key and admin token are generated at first start (files mode 0600).</summary>
    public string StateDir { get; set; } = "state";

    /// <summary>Bearer token of the operator; when empty it is read from (or generated into) StateDir/admin-token.</summary>
    public string? AdminToken { get; set; }

    /// <summary>
    /// Durable (the default): the node starts only on a Redis that fsyncs every write before it answers (appendfsync always,
    /// or WAITAOF on Redis 7.2+). Relaxed: everysec is accepted, for benchmarks only; the node warns at start, and
    /// /healthz and `anchor status` say so.
    /// </summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Durable;

    public HttpSettings Http { get; set; } = new();
    public RedisSettings Redis { get; set; } = new();
    public SiloSettings Silo { get; set; } = new();
    public SequencerSettings Sequencer { get; set; } = new();
    public RateLimitSettings RateLimit { get; set; } = new();
    public CacheSettings Cache { get; set; } = new();
    public TrustSettings Trust { get; set; } = new();

    /// <summary>What the node trusts for provider identities (<c>Anchor:Trust:ProviderRoots</c>, <c>Anchor:Trust:Crls</c>).</summary>
    public sealed class TrustSettings
    {
        /// <summary>
        /// A folder of CA certificates (PEM or DER, one or more per file) that provider certificate chains must lead to.
        /// Read again at every registration and every GET /v1/trust: certificates added to it count without a restart.
        /// Empty: no CA is trusted, and a key that comes with a certificate chain is refused.
        /// </summary>
        public string ProviderRoots { get; set; } = "";

        /// <summary>A folder of CRLs (PEM or DER) checked for provider certificates; empty: no revocation lists.</summary>
        public string Crls { get; set; } = "";
    }
    public PrivacySettings Privacy { get; set; } = new();

    /// <summary>The chains the log is anchored on; none means the node runs without anchoring.</summary>
    public List<ChainSettings> Chains { get; set; } = [];
    public AnchoringSettings Anchoring { get; set; } = new();

    /// <summary>The time-stamping authorities every seal is time-stamped by (RFC 3161); none means bundles carry no TSA time.</summary>
    public List<TsaSettings> Tsa { get; set; } = [];

    /// <summary>One TSA (<c>Anchor:Tsa:0:Url</c>, env <c>Anchor__Tsa__0__Url</c>).</summary>
    public sealed class TsaSettings
    {
        /// <summary>A label for bundles, logs and metrics, e.g. "digicert".</summary>
        public string Name { get; set; } = "";
        /// <summary>The TSA's RFC 3161 HTTP endpoint.</summary>
        public string Url { get; set; } = "";
        /// <summary>The imprint's hash: "sha256", or "sm3" for a TSA under the Chinese national standards.</summary>
        public string HashAlg { get; set; } = "sha256";
        /// <summary>The TSA policy OID to ask for; unset takes the TSA's default.</summary>
        public string? Policy { get; set; }
        public int TimeoutSeconds { get; set; } = 10;
        /// <summary>
        /// A PEM file with the CA certificate(s) the TSA's signer must chain to. Tokens that do not are refused, and
        /// GET /v1/trust lists these roots under tsaRoots. Unset: the chain is not checked and no root is published.
        /// </summary>
        public string? Roots { get; set; }
    }

    /// <summary>One anchoring target (<c>Anchor:Chains:0:RpcUrl</c>, env <c>Anchor__Chains__0__RpcUrl</c>).</summary>
    public sealed class ChainSettings
    {
        /// <summary>A label for logs and metrics, e.g. "local" or "sepolia".</summary>
        public string Name { get; set; } = "";
        public string RpcUrl { get; set; } = "";
        /// <summary>Checked against eth_chainId at start.</summary>
        public ulong ChainId { get; set; }
        /// <summary>The AnchorRegistry address (deploy it with `anchor chain deploy`).</summary>
        public string Registry { get; set; } = "";
        /// <summary>File holding the operator account's 0x-hex private key (one line, mode 0600).</summary>
        public string KeyFile { get; set; } = "";
        /// <summary>
        /// How an anchor becomes final, the point from which bundles name it: "finalized" (the chain's <c>finalized</c>
        /// block tag), "confirmations" (<see cref="Confirmations"/>), or "auto" (the tag where the endpoint has it, else
        /// confirmations). Default: "auto", except on the local development chain 31337 (anvil, Hardhat), whose
        /// <c>finalized</c> block trails the head by 64 blocks that an idle chain never mines: "confirmations" there.
        /// </summary>
        public string Finality { get; set; } = "";
        /// <summary>
        /// Blocks (the anchor's own included) that make an anchor final when finality goes by confirmations. Default: 12,
        /// and 1 on chain 31337 (an instant-mining local chain that reorgs only when told to).
        /// </summary>
        public int? Confirmations { get; set; }
        /// <summary>
        /// First block searched for the log's Anchored events: the registry's deployment block (`anchor chain deploy`
        /// prints it). 0: the block the node registered the log in, which it keeps.
        /// </summary>
        public ulong FromBlock { get; set; }
        /// <summary>Blocks per eth_getLogs request (public RPCs cap the range).</summary>
        public ulong LogRangeBlocks { get; set; } = 2000;
        /// <summary>A transaction not mined after this many seconds is replaced with higher fees.</summary>
        public int StuckAfterSeconds { get; set; } = 180;
        /// <summary>Caps on EIP-1559 fees, in gwei.</summary>
        public decimal MaxFeeGwei { get; set; } = 1000;
        public decimal MaxPriorityFeeGwei { get; set; } = 100;
    }

    public sealed class AnchoringSettings
    {
        /// <summary>How often sealing rounds run: each chain anchors, and each TSA time-stamps, the round's checkpoint if the log grew.</summary>
        public int IntervalSeconds { get; set; } = 10;
    }

    public sealed class HttpSettings
    {
        public string Address { get; set; } = "0.0.0.0";
        public int Port { get; set; } = 8080;
        /// <summary>
        /// The operator listener: /healthz, /metrics and /dashboard answer only on connections that arrived on this port,
        /// and nothing else does; 0 serves them nowhere.
        /// </summary>
        public int OperatorPort { get; set; } = 8081;
        /// <summary>Loopback by default: the dashboard has no login.</summary>
        public string OperatorAddress { get; set; } = "127.0.0.1";
    }

    public sealed class RedisSettings
    {
        /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</summary>
        public string Connection { get; set; } = "";

        /// <summary>Accept a Redis without AOF (tests, demos): everything may be lost on restart.</summary>
        public bool Throwaway { get; set; }

        /// <summary>
        /// The operator vouches that the server fsyncs every write before answering, for managed Redis that refuses
        /// CONFIG GET. Used only when CONFIG cannot be read; what CONFIG says always wins.
        /// </summary>
        public bool AssertDurable { get; set; }

        /// <summary>Replicas that must have each append (WAIT, or WAITAOF on 7.2+: in their AOF) before it is acknowledged; 0 waits for none.</summary>
        public int Replicas { get; set; }

        /// <summary>How long an append waits for them; past it the records are not acknowledged (503) and a retry waits again.</summary>
        public int ReplicaTimeoutMilliseconds { get; set; } = 1000;
    }

    public sealed class SiloSettings
    {
        public string ClusterId { get; set; } = "anchor";
        public string ServiceId { get; set; } = "anchor";
        /// <summary>The address other silos reach this one at.</summary>
        public string AdvertisedAddress { get; set; } = "127.0.0.1";
        public int Port { get; set; } = 11111;
        public int GatewayPort { get; set; } = 30000;
    }

    public sealed class SequencerSettings
    {
        public int PeriodMilliseconds { get; set; } = 250;
        public int PoolSize { get; set; } = 4096;
    }

    public sealed class RateLimitSettings
    {
        /// <summary>Signed requests per second each provider may send to the evidence routes (token bucket refill).</summary>
        public int PermitsPerSecond { get; set; } = 1000;
        /// <summary>Bucket size: how many requests a provider may send at once after a quiet spell.</summary>
        public int Burst { get; set; } = 2000;
        /// <summary>Requests per second from one client address (an IPv6 /64) to any public route, reads included.</summary>
        public int ClientPermitsPerSecond { get; set; } = 2000;
        /// <summary>How many requests one client address may send at once after a quiet spell.</summary>
        public int ClientBurst { get; set; } = 4000;
    }

    public sealed class PrivacySettings
    {
        /// <summary>
        /// When false (the default) proof bundles, which carry whole entries, are served only with the entry's
        /// provider's read token or the admin token; true serves them to anyone (a public log).
        /// </summary>
        public bool PublicEntries { get; set; }
    }

    /// <summary>Memory for what proof reads keep of committed (immutable) tiles and provider batches.</summary>
    public sealed class CacheSettings
    {
        /// <summary>Hashed tiles, 16 KiB each; 0 keeps none.</summary>
        public int TileMiB { get; set; } = (int)(Anchor.Storage.LogStore.DefaultTileCacheBytes >> 20);
        /// <summary>Provider batch trees, 64 KiB per batch of 1,000; 0 keeps none.</summary>
        public int BatchMiB { get; set; } = (int)(Anchor.Storage.LogStore.DefaultBatchCacheBytes >> 20);
    }

    /// <summary>Every problem with the settings, each a sentence that says which setting and how to fix it.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (!VerifierKey.IsValidName(Origin))
            problems.Add("Anchor:Origin is required: the log's name, e.g. \"anchor.example.com/log\" (no spaces, no '+'); set it in appsettings.json or Anchor__Origin");
        if (RootOrigin.Length > 0 && (!VerifierKey.IsValidName(RootOrigin) || RootOrigin == Origin || RootOrigin.Contains('{') || RootOrigin.Contains('}')))
            problems.Add($"Anchor:RootOrigin '{RootOrigin}' must be a log name (no spaces, no '+', no braces) other than Anchor:Origin, e.g. \"{(Origin.Length > 0 ? Origin : "anchor.example.com/log")}/root\"");
        if (string.IsNullOrWhiteSpace(StateDir)) problems.Add("Anchor:StateDir must name a folder for the log key and admin token");
        if (string.IsNullOrWhiteSpace(Redis.Connection))
            problems.Add("Anchor:Redis:Connection is required, e.g. \"localhost:6379\" (Anchor__Redis__Connection)");
        if (!Enum.IsDefined(Durability)) problems.Add("Anchor:Durability must be Durable or Relaxed");
        if (Redis.Replicas is < 0 or > 100) problems.Add("Anchor:Redis:Replicas must be between 0 and 100");
        if (Redis.ReplicaTimeoutMilliseconds is < 10 or > 60_000) problems.Add("Anchor:Redis:ReplicaTimeoutMilliseconds must be between 10 and 60000");
        if (!IPAddress.TryParse(Http.Address, out _)) problems.Add($"Anchor:Http:Address '{Http.Address}' is not an IP address");
        if (!IPAddress.TryParse(Silo.AdvertisedAddress, out _)) problems.Add($"Anchor:Silo:AdvertisedAddress '{Silo.AdvertisedAddress}' is not an IP address");
        CheckPort(problems, "Anchor:Http:Port", Http.Port);
        if (Http.OperatorPort != 0)
        {
            CheckPort(problems, "Anchor:Http:OperatorPort", Http.OperatorPort);
            if (!IPAddress.TryParse(Http.OperatorAddress, out _)) problems.Add($"Anchor:Http:OperatorAddress '{Http.OperatorAddress}' is not an IP address");
            if (Http.OperatorPort == Http.Port || Http.OperatorPort == Silo.Port || Http.OperatorPort == Silo.GatewayPort)
                problems.Add("Anchor:Http:OperatorPort must differ from the HTTP and silo ports (0 turns the operator listener off)");
        }
        CheckPort(problems, "Anchor:Silo:Port", Silo.Port);
        CheckPort(problems, "Anchor:Silo:GatewayPort", Silo.GatewayPort);
        if (Http.Port == Silo.Port || Http.Port == Silo.GatewayPort || Silo.Port == Silo.GatewayPort)
            problems.Add("Anchor:Http:Port, Anchor:Silo:Port and Anchor:Silo:GatewayPort must differ");
        if (string.IsNullOrWhiteSpace(Silo.ClusterId) || string.IsNullOrWhiteSpace(Silo.ServiceId))
            problems.Add("Anchor:Silo:ClusterId and Anchor:Silo:ServiceId must not be empty");
        if (Sequencer.PeriodMilliseconds is < 10 or > 60_000) problems.Add("Anchor:Sequencer:PeriodMilliseconds must be between 10 and 60000");
        if (Sequencer.PoolSize is < 1 or > 100_000) problems.Add("Anchor:Sequencer:PoolSize must be between 1 and 100000");
        if (RateLimit.PermitsPerSecond < 1 || RateLimit.Burst < 1) problems.Add("Anchor:RateLimit:PermitsPerSecond and Burst must be at least 1");
        if (RateLimit.ClientPermitsPerSecond < 1 || RateLimit.ClientBurst < 1)
            problems.Add("Anchor:RateLimit:ClientPermitsPerSecond and ClientBurst must be at least 1");
        if (Cache.TileMiB is < 0 or > 1_048_576 || Cache.BatchMiB is < 0 or > 1_048_576)
            problems.Add("Anchor:Cache:TileMiB and Anchor:Cache:BatchMiB must be between 0 and 1048576 (MiB)");
        if (Anchoring.IntervalSeconds is < 1 or > 86_400) problems.Add("Anchor:Anchoring:IntervalSeconds must be between 1 and 86400");
        for (var i = 0; i < Chains.Count; i++)
        {
            var c = Chains[i];
            var at = $"Anchor:Chains:{i}";
            if (string.IsNullOrWhiteSpace(c.Name)) problems.Add($"{at}:Name is required (a label such as \"local\")");
            if (!Uri.TryCreate(c.RpcUrl, UriKind.Absolute, out var rpc) || rpc.Scheme is not ("http" or "https"))
                problems.Add($"{at}:RpcUrl must be an http(s) JSON-RPC URL, got '{c.RpcUrl}'");
            if (c.ChainId == 0) problems.Add($"{at}:ChainId is required (the chain's EIP-155 ID, checked against eth_chainId)");
            if (!Anchor.Core.Hex.TryDecode(c.Registry, out var registry, allowPrefix: true) || registry.Length != 20 || !c.Registry.StartsWith("0x", StringComparison.Ordinal))
                problems.Add($"{at}:Registry must be the 0x address of an AnchorRegistry (deploy one with `anchor chain deploy`)");
            if (string.IsNullOrWhiteSpace(c.KeyFile)) problems.Add($"{at}:KeyFile must name the file with the account's private key");
            if (c.Confirmations is < 1 or > 1000) problems.Add($"{at}:Confirmations must be between 1 and 1000");
            if (c.Finality is not ("" or "auto" or "finalized" or "confirmations")) problems.Add($"{at}:Finality must be auto, finalized or confirmations, got '{c.Finality}'");
            if (c.LogRangeBlocks is < 1 or > 1_000_000) problems.Add($"{at}:LogRangeBlocks must be between 1 and 1000000");
            if (c.StuckAfterSeconds < 1) problems.Add($"{at}:StuckAfterSeconds must be at least 1");
        }
        if (Chains.Select(c => c.Name).Distinct().Count() != Chains.Count) problems.Add("Anchor:Chains names must be unique");
        for (var i = 0; i < Tsa.Count; i++)
        {
            var t = Tsa[i];
            var at = $"Anchor:Tsa:{i}";
            // The name is a Redis key part and a metrics label: keep it plain.
            if (string.IsNullOrEmpty(t.Name) || !t.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
                problems.Add($"{at}:Name is required: letters, digits, '-', '_' or '.' (a label such as \"digicert\")");
            if (!Uri.TryCreate(t.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                problems.Add($"{at}:Url must be the TSA's http(s) RFC 3161 endpoint, got '{t.Url}'");
            if (!Anchor.Core.Timestamping.TsaHashAlg.IsKnown(t.HashAlg)) problems.Add($"{at}:HashAlg must be sha256 or sm3, got '{t.HashAlg}'");
            if (t.Policy is not null && !System.Text.RegularExpressions.Regex.IsMatch(t.Policy, @"^[0-2](\.(0|[1-9][0-9]*))+$"))
                problems.Add($"{at}:Policy must be an OID such as 1.2.3.4.1, got '{t.Policy}'");
            if (t.TimeoutSeconds is < 1 or > 300) problems.Add($"{at}:TimeoutSeconds must be between 1 and 300");
            if (t.Roots is not null && !File.Exists(t.Roots)) problems.Add($"{at}:Roots names '{t.Roots}', which is not a file (a PEM file of the TSA's CA certificates)");
        }
        if (Tsa.Select(t => t.Name).Distinct().Count() != Tsa.Count) problems.Add("Anchor:Tsa names must be unique");
        return problems;
    }

    private static void CheckPort(List<string> problems, string name, int port)
    {
        if (port is < 1 or > 65535) problems.Add($"{name} must be a TCP port (1-65535), got {port}");
    }
}
