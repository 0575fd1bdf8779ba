using System.Net;
using Anchor.Core.Checkpoints;
using Anchor.Chain;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Grains.Timestamping;
using Anchor.Node.Anchoring;
using Anchor.Node.Api;
using Anchor.Node.Durability;
using Anchor.Node.Observability;
using Anchor.Node.Timestamping;
using Anchor.Storage;
using Orleans.Configuration;
using Orleans.Dashboard;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;
using StackExchange.Redis;

namespace Anchor.Node;

/// <summary>The composition root: settings, Redis, the Orleans silo and the HTTP API in one process.</summary>
public static partial class NodeApp
{
    /// <summary>Builds the node; throws <see cref="NodeStartupException"/> with a fix-it message when it must not start.</summary>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        AnchorOptions options;
        try
        {
            options = builder.Configuration.GetSection(AnchorOptions.Section).Get<AnchorOptions>() ?? new AnchorOptions();
        }
        catch (InvalidOperationException ex)
        {
            // A value of the wrong type (Anchor:Durability=fast, a port that is not a number): the binder names it.
            throw new NodeStartupException("the Anchor settings are not valid: " + (ex.InnerException?.Message ?? ex.Message));
        }
        var problems = options.Problems();
        if (problems.Count > 0)
            throw new NodeStartupException("the Anchor settings are not valid:\n  - " + string.Join("\n  - ", problems));

        var redisConfig = ParseRedis(options.Redis.Connection);
        var redis = ConnectRedis(redisConfig);
        IConnectionMultiplexer? writer = null;
        CommitDurability commit;
        DurabilityStatus durability;
        using var startupLogs = LoggerFactory.Create(b => b.AddConsole());
        try
        {
            (commit, durability) = CheckDurability(redis, options, () => writer = ConnectRedis(redisConfig));
            var startLog = startupLogs.CreateLogger("Anchor.Node");
            foreach (var warning in durability.Warnings) LogDurabilityWarning(startLog, warning);
        }
        catch
        {
            writer?.Dispose();
            redis.Dispose();
            throw;
        }

        var signer = NodeState.LoadLogKey(options.StateDir, options.Origin);
        var witness = new CheckpointWitness(Path.Combine(options.StateDir, NodeState.WitnessDir), signer.VerifierKey);
        var adminToken = string.IsNullOrEmpty(options.AdminToken) ? NodeState.LoadAdminToken(options.StateDir) : options.AdminToken;

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Parse(options.Http.Address), options.Http.Port, Http1WithProblems);
            // The operator listener: what answers here is decided by this port (OperatorListener), loopback by default.
            if (options.Http.OperatorPort != 0) k.Listen(IPAddress.Parse(options.Http.OperatorAddress), options.Http.OperatorPort, Http1WithProblems);
        });
        // The options pattern for the rest of the node; the same checks already ran above, before Redis was touched.
        builder.Services.AddOptions<AnchorOptions>().Bind(builder.Configuration.GetSection(AnchorOptions.Section))
            .Validate(o => o.Problems().Count == 0, "the Anchor settings are not valid").ValidateOnStart();
        builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
        builder.Services.AddSingleton(signer);
        builder.Services.AddSingleton(new AdminToken(adminToken));
        builder.Services.AddSingleton(TimeProvider.System);
        var logStore = new LogStore(redis, options.Origin, (long)options.Cache.TileMiB << 20, (long)options.Cache.BatchMiB << 20, commit);
        var anchorStore = new AnchorStore(redis, options.Origin);
        builder.Services.AddSingleton(logStore);
        builder.Services.AddSingleton<ProviderRoots>();
        builder.Services.AddSingleton<NodeTrust>();
        builder.Services.AddSingleton(durability);
        var chainNames = options.Chains.Select(c => c.Name).ToList();
        builder.Services.AddSingleton(sp => new ForkGuard(logStore, anchorStore, witness, signer.VerifierKey, chainNames,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ForkGuard>>()));
        // What the rounds seal: the log itself, or the root log that holds the checkpoints of every log (Anchor:RootOrigin).
        // Anchor and time-stamp records belong to the sealed log; the log's own anchor records (before a root log was
        // configured) stay where they are, and its fork check still counts them as published.
        var sealedStore = logStore;
        var sealedAnchors = anchorStore;
        if (options.RootOrigin.Length > 0)
        {
            sealedStore = new LogStore(redis, options.RootOrigin, LogStore.DefaultTileCacheBytes / 16, LogStore.DefaultBatchCacheBytes / 16, commit);
            sealedAnchors = new AnchorStore(redis, options.RootOrigin);
            var rootSigner = NodeState.LoadLogKey(options.StateDir, options.RootOrigin);
            var rootWitness = new CheckpointWitness(Path.Combine(options.StateDir, NodeState.WitnessDir, "root"), rootSigner.VerifierKey);
            var rootIndex = new RootLogIndex(redis, sealedStore);
            builder.Services.AddSingleton(rootIndex);
            builder.Services.AddSingleton(sp => new SealedLog(sealedStore, rootSigner, new ForkGuard(sealedStore, sealedAnchors, rootWitness,
                rootSigner.VerifierKey, chainNames, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ForkGuard>>())));
        }
        else builder.Services.AddSingleton(new SealedLog(logStore, signer, null));
        builder.Services.AddSingleton(sealedAnchors);
        // Many logs: the configured origin is the default; others are created through the admin API (docs/api.md).
        var logSet = new LogSet(redis, logStore, origin => new LogStore(redis, origin, (long)options.Cache.TileMiB << 20, (long)options.Cache.BatchMiB << 20, commit));
        builder.Services.AddSingleton(logSet);
        builder.Services.AddSingleton<IMemberLogs>(logSet);
        builder.Services.AddSingleton(sp => new SequencedLogs(logSet, new SequencedLog(logStore, signer, sp.GetRequiredService<ForkGuard>()),
            origin => OpenLog(logSet.Store(origin), options, redis, sp)));
        builder.Services.AddSingleton<ServedLogs>();
        builder.Services.Configure<AnchoringOptions>(a =>
        {
            a.Interval = TimeSpan.FromSeconds(options.Anchoring.IntervalSeconds);
            a.Chains = [.. options.Chains.Select(ToTarget)];
        });
        builder.Services.AddSingleton<ILogAnchors, RecordedAnchors>();
        builder.Services.AddSingleton<IAnchoringStatus, AnchoringStatusReader>();
        // Sealing: every round's checkpoint is anchored on each chain and time-stamped by each TSA.
        builder.Services.AddSingleton(new SealStore(redis, sealedStore));
        builder.Services.AddSingleton(new TimestampStore(redis, sealedStore.Origin));
        var tsas = options.Tsa.Select(ToTsaTarget).ToList();
        builder.Services.Configure<TimestampingOptions>(t =>
        {
            t.Interval = TimeSpan.FromSeconds(options.Anchoring.IntervalSeconds);
            t.Tsas = tsas;
        });
        builder.Services.AddSingleton<RecordedTimestamps>();
        builder.Services.AddSingleton<TimestampingStatus>();
        builder.Services.AddHostedService<AnchoringStarter>();
        builder.Services.AddSingleton<ProofBundles>();
        builder.Services.AddSingleton<ProviderRateLimiter>();
        ClientRateLimit.Add(builder.Services, options);
        builder.Services.Configure<SequencerOptions>(s =>
        {
            s.Period = TimeSpan.FromMilliseconds(options.Sequencer.PeriodMilliseconds);
            s.PoolSize = options.Sequencer.PoolSize;
        });
        builder.Services.AddOpenApi(ApiDescription.Configure);
        // Every meter named Anchor.* (node, sequencer, anchoring, …) is exported, whichever component made it.
        // The node's own meters and the runtime's (GC, allocation, thread pool, exceptions: `dotnet_*`).
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter("Anchor.*", "System.Runtime").AddPrometheusExporter());
        builder.Services.AddSingleton<NodeProbes>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NodeProbes>());
        builder.Services.AddSingleton<NodeMetrics>();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(c =>
            {
                c.ClusterId = options.Silo.ClusterId;
                c.ServiceId = options.Silo.ServiceId;
            });
            silo.ConfigureEndpoints(IPAddress.Parse(options.Silo.AdvertisedAddress), options.Silo.Port, options.Silo.GatewayPort, listenOnAnyHostAddress: false);
            // Membership and reminders wait out a short Redis outage (queued commands) instead of failing at once:
            // they are background work, and a failed membership write counts against this silo.
            silo.UseRedisClustering(c => c.ConfigurationOptions = WithBacklog(redisConfig, BacklogPolicy.Default));
            silo.AddRedisGrainStorage(ProviderGrain.StorageName, s => s.ConfigurationOptions = WithBacklog(redisConfig, BacklogPolicy.FailFast));
            // Reminders (in Redis) revive each chain's anchor grain on a surviving silo after a silo is lost.
            silo.UseRedisReminderService(r => r.ConfigurationOptions = WithBacklog(redisConfig, BacklogPolicy.Default));
            // How fast a dead silo is declared dead (ProbeTimeout, NumMissedProbesLimit, …): Orleans' defaults unless set.
            silo.Services.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection("Anchor:Silo:Membership"));
            silo.AddDashboard();
            // Per silo: keys for the verifiers, told of every change by the provider grains.
            silo.Services.AddSingleton<KnownProviders>();
            silo.Services.AddSingleton<ProviderKeyCache>();
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ProviderKeyCache>());
        });

        var app = builder.Build();
        app.UseMiddleware<SubmissionMetrics>();
        app.UseMiddleware<DurabilityGate>(options.Http.OperatorPort); // Sees ProblemWriter's codes (to count refusals); SubmissionMetrics sees its own.
        app.UseMiddleware<ProblemWriter>();
        app.UseRouting();
        // After routing: both judge the endpoint chosen, not the spelling of the path.
        app.UseMiddleware<OperatorListener>(options.Http.OperatorPort);
        app.UseRateLimiter();
        app.MapOpenApi();
        app.MapScalarApiReference();
        AdminEndpoints.Map(app);
        EvidenceEndpoints.Map(app);
        ProofEndpoints.Map(app);
        LogEndpoints.Map(app);
        LogSetEndpoints.Map(app);
        VerifyPage.Map(app);
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new OperatorOnly()).ExcludeFromDescription();
        app.MapOrleansDashboard(routePrefix: "/dashboard").WithMetadata(new OperatorOnly()).ExcludeFromDescription();
        app.Lifetime.ApplicationStopped.Register(() =>
        {
            writer?.Dispose();
            redis.Dispose();
        });
        // Its own category, so that the start line (quickstart.sh reads the log key in it) shows at any level set for the rest.
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Anchor.Node.Startup");
        LogStarting(log, options.Origin, signer.VerifierKey.ToString(), options.Http.Port, options.Silo.Port);
        return app;
    }

    /// <summary>
    /// A log other than the default: the node's log key under the log's origin, and its own witness and fork guard. Its
    /// witness is in a folder of its own under the witness folder (the default log's stays where it was).
    /// </summary>
    private static SequencedLog OpenLog(LogStore store, AnchorOptions options, IConnectionMultiplexer redis, IServiceProvider services)
    {
        var signer = NodeState.LoadLogKey(options.StateDir, store.Origin);
        var witness = new CheckpointWitness(NodeState.WitnessDirOf(options.StateDir, store.Origin), signer.VerifierKey);
        var guard = new ForkGuard(store, new AnchorStore(redis, store.Origin), witness, signer.VerifierKey, [.. options.Chains.Select(c => c.Name)],
            services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILogger<ForkGuard>>());
        return new SequencedLog(store, signer, guard);
    }

    /// <summary>Plain HTTP/1.1 (what a cleartext Kestrel listener speaks anyway), with Kestrel's own refusals as problem+json.</summary>
    private static void Http1WithProblems(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
    {
        listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1;
        listen.Use(KestrelRejections.Middleware);
    }

    /// <summary>anvil's and Hardhat's chain ID: a local chain that mines on demand, whose defaults are instant finality.</summary>
    private const ulong DevChainId = 31337;

    /// <summary>One chain's settings as the chain client takes them; fee caps go from gwei to wei.</summary>
    private static ChainTarget ToTarget(AnchorOptions.ChainSettings c) => new(c.Name, c.RpcUrl, c.ChainId, c.Registry, c.KeyFile)
    {
        Finality = c.Finality switch
        {
            "finalized" => FinalityRule.FinalizedTag,
            "confirmations" => FinalityRule.Confirmations,
            "auto" => FinalityRule.Auto,
            _ => c.ChainId == DevChainId ? FinalityRule.Confirmations : FinalityRule.Auto,
        },
        Confirmations = c.Confirmations ?? (c.ChainId == DevChainId ? 1 : 12),
        FromBlock = c.FromBlock,
        LogRange = c.LogRangeBlocks,
        StuckAfter = TimeSpan.FromSeconds(c.StuckAfterSeconds),
        MaxFeePerGasCap = new System.Numerics.BigInteger(c.MaxFeeGwei * 1_000_000_000m),
        MaxPriorityFeePerGasCap = new System.Numerics.BigInteger(c.MaxPriorityFeeGwei * 1_000_000_000m),
        PollInterval = TimeSpan.FromMilliseconds(500),
    };

    /// <summary>One TSA's settings as its grain takes them, with the roots of its Roots file read now: a bad file stops the start.</summary>
    private static TsaTarget ToTsaTarget(AnchorOptions.TsaSettings t)
    {
        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        if (t.Roots is not null)
        {
            try
            {
                roots.ImportFromPemFile(t.Roots);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new NodeStartupException($"Anchor:Tsa '{t.Name}': cannot read the certificates in Roots '{t.Roots}': {e.Message}");
            }
            if (roots.Count == 0) throw new NodeStartupException($"Anchor:Tsa '{t.Name}': Roots '{t.Roots}' holds no PEM CERTIFICATE");
        }
        return new TsaTarget(t.Name, new Uri(t.Url), t.HashAlg, t.Policy, [.. roots.Select(c => c.RawData)]) { Timeout = TimeSpan.FromSeconds(t.TimeoutSeconds) };
    }

    private static ConfigurationOptions ParseRedis(string connection)
    {
        try
        {
            var config = ConfigurationOptions.Parse(connection);
            config.AbortOnConnectFail = false;
            return config;
        }
        catch (Exception ex)
        {
            // Not the string itself: it may carry a password.
            throw new NodeStartupException($"Anchor:Redis:Connection is not a Redis connection string: {ex.Message}");
        }
    }

    /// <summary>
    /// The node's own connection and grain storage use <see cref="BacklogPolicy.FailFast"/>: while Redis is unreachable
    /// a command fails at once (RedisConnectionException, answered 503 with Retry-After) instead of waiting in the
    /// backlog for the whole async timeout (5 s by default; requests took about 11 s to fail).
    /// </summary>
    private static ConfigurationOptions WithBacklog(ConfigurationOptions config, BacklogPolicy policy)
    {
        var copy = config.Clone();
        copy.BacklogPolicy = policy;
        return copy;
    }

    private static ConnectionMultiplexer ConnectRedis(ConfigurationOptions config)
    {
        var admin = WithBacklog(config, BacklogPolicy.FailFast);
        admin.AllowAdmin = true; // For CONFIG GET appendonly.
        var redis = ConnectionMultiplexer.Connect(admin);
        if (!redis.IsConnected)
        {
            redis.Dispose();
            // The endpoints only: the configuration string may carry a password.
            throw new NodeStartupException($"cannot reach Redis at {string.Join(", ", config.EndPoints)}: start it, or fix Anchor:Redis:Connection");
        }
        return redis;
    }

    /// <summary>The log is only as durable as Redis: <see cref="DurabilityCheck"/> decides from what the server says.</summary>
    private static (CommitDurability, DurabilityStatus) CheckDurability(IConnectionMultiplexer redis, AnchorOptions options, Func<IConnectionMultiplexer> writer)
    {
        RedisPersistence server;
        try
        {
            server = RedisPersistence.ReadAsync(redis).GetAwaiter().GetResult();
        }
        catch (RedisException ex)
        {
            throw new NodeStartupException($"cannot read Redis persistence settings: {ex.Message}");
        }
        return DurabilityCheck.Decide(options, server, writer);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Durability: {Warning}")]
    private static partial void LogDurabilityWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anchor node for {Origin}, log key {LogKey}, HTTP port {HttpPort}, silo port {SiloPort}")]
    private static partial void LogStarting(ILogger logger, string origin, string logKey, int httpPort, int siloPort);
}
