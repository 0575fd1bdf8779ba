using System.Net;
using Anchor.Core.Checkpoints;

namespace Anchor.Node;

/// <summary>The node's settings: the <c>Anchor</c> section of appsettings.json, environment (<c>Anchor__Redis__Connection</c>) or command line.</summary>
public sealed class AnchorOptions
{
    public const string Section = "Anchor";

    /// <summary>The log's name: first line of every checkpoint, name of the log key. No spaces, no '+'.</summary>
    public string Origin { get; set; } = "";

    /// <summary>Where the log key and admin token are generated at first start (files mode 0600).</summary>
    public string StateDir { get; set; } = "state";

    /// <summary>Bearer token of the operator; when empty it is read from (or generated into) StateDir/admin-token.</summary>
    public string? AdminToken { get; set; }

    public HttpSettings Http { get; set; } = new();
    public RedisSettings Redis { get; set; } = new();
    public SiloSettings Silo { get; set; } = new();
    public SequencerSettings Sequencer { get; set; } = new();
    public RateLimitSettings RateLimit { get; set; } = new();

    public sealed class HttpSettings
    {
        public string Address { get; set; } = "0.0.0.0";
        public int Port { get; set; } = 8080;
    }

    public sealed class RedisSettings
    {
        /// <summary>A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c>.</summary>
        public string Connection { get; set; } = "";

        /// <summary>Accept a Redis without AOF (tests, demos): everything may be lost on restart.</summary>
        public bool Throwaway { get; set; }
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
        /// <summary>Requests per second each provider may send to the evidence routes (token bucket refill).</summary>
        public int PermitsPerSecond { get; set; } = 1000;
        /// <summary>Bucket size: how many requests a provider may send at once after a quiet spell.</summary>
        public int Burst { get; set; } = 2000;
    }

    /// <summary>Every problem with the settings, each a sentence that says which setting and how to fix it.</summary>
    public List<string> Problems()
    {
        var problems = new List<string>();
        if (!VerifierKey.IsValidName(Origin))
            problems.Add("Anchor:Origin is required: the log's name, e.g. \"anchor.example.com/log\" (no spaces, no '+'); set it in appsettings.json or Anchor__Origin");
        if (string.IsNullOrWhiteSpace(StateDir)) problems.Add("Anchor:StateDir must name a folder for the log key and admin token");
        if (string.IsNullOrWhiteSpace(Redis.Connection))
            problems.Add("Anchor:Redis:Connection is required, e.g. \"localhost:6379\" (Anchor__Redis__Connection)");
        if (!IPAddress.TryParse(Http.Address, out _)) problems.Add($"Anchor:Http:Address '{Http.Address}' is not an IP address");
        if (!IPAddress.TryParse(Silo.AdvertisedAddress, out _)) problems.Add($"Anchor:Silo:AdvertisedAddress '{Silo.AdvertisedAddress}' is not an IP address");
        CheckPort(problems, "Anchor:Http:Port", Http.Port);
        CheckPort(problems, "Anchor:Silo:Port", Silo.Port);
        CheckPort(problems, "Anchor:Silo:GatewayPort", Silo.GatewayPort);
        if (Http.Port == Silo.Port || Http.Port == Silo.GatewayPort || Silo.Port == Silo.GatewayPort)
            problems.Add("Anchor:Http:Port, Anchor:Silo:Port and Anchor:Silo:GatewayPort must differ");
        if (string.IsNullOrWhiteSpace(Silo.ClusterId) || string.IsNullOrWhiteSpace(Silo.ServiceId))
            problems.Add("Anchor:Silo:ClusterId and Anchor:Silo:ServiceId must not be empty");
        if (Sequencer.PeriodMilliseconds is < 10 or > 60_000) problems.Add("Anchor:Sequencer:PeriodMilliseconds must be between 10 and 60000");
        if (Sequencer.PoolSize is < 1 or > 100_000) problems.Add("Anchor:Sequencer:PoolSize must be between 1 and 100000");
        if (RateLimit.PermitsPerSecond < 1 || RateLimit.Burst < 1) problems.Add("Anchor:RateLimit:PermitsPerSecond and Burst must be at least 1");
        return problems;
    }

    private static void CheckPort(List<string> problems, string name, int port)
    {
        if (port is < 1 or > 65535) problems.Add($"{name} must be a TCP port (1-65535), got {port}");
    }
}
