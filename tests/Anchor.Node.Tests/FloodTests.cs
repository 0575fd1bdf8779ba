using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Grains;
using Microsoft.Extensions.DependencyInjection;

namespace Anchor.Node.Tests;

/// <summary>
/// Floods that try to lock a provider out or exhaust the node: requests naming a victim without its key, random
/// provider names, and one client address sending too fast. Each flood is bounded and stops by itself.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class FloodTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-flood-").FullName;

    public void Dispose() => Directory.Delete(_state, recursive: true);

    [Fact]
    public async Task Unsigned_forged_and_random_provider_floods_neither_lock_the_victim_out_nor_activate_grains()
    {
        // A small bucket: 20 requests at once, 5 a second. Without the signature check first, the flood empties it.
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "flood.test/log", _state,
            "--Anchor:RateLimit:Burst=20", "--Anchor:RateLimit:PermitsPerSecond=5"));
        using var victim = new TestProvider("victim");
        await victim.RegisterAsync(node);
        var grains = node.Services.GetRequiredService<IGrainFactory>();
        var providerGrainsBefore = await ProviderActivationsAsync(grains);
        Assert.True(providerGrainsBefore >= 1, "the victim's grain is not counted: the count below would prove nothing");

        using var strangerKey = SigningKey.Generate(SignatureAlg.Ed25519);
        var forged = victim.Single(TestProvider.NewEvidence());
        forged["sig"] = Convert.ToBase64String(new byte[64]);
        var unsigned = new JsonObject { ["provider"] = "victim", ["keyId"] = "k1", ["evidence"] = TestProvider.NewEvidence().ToJson() };
        const int floodSize = 3000;
        var statuses = new System.Collections.Concurrent.ConcurrentBag<int>();
        var flood = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var i = worker; i < floodSize; i += 16)
            {
                JsonObject body = (i % 3) switch
                {
                    0 => unsigned,
                    1 => forged,
                    _ => Stranger($"random-{Guid.NewGuid():N}", strangerKey),
                };
                statuses.Add((await node.PostAsync("/v1/evidence", body)).Status);
            }
        })).ToList();

        // Meanwhile the victim submits 20 genuine records (its whole burst): every one is accepted.
        for (var i = 0; i < 20; i++)
        {
            var (status, body) = await node.PostAsync("/v1/evidence", victim.Single(TestProvider.NewEvidence()));
            Assert.True(status == 200, $"genuine submission {i} during the flood: {status} {body.ToJsonString()}");
        }
        await Task.WhenAll(flood);
        Assert.Equal(floodSize, statuses.Count);
        Assert.All(statuses, s => Assert.Equal(400, s));

        // A thousand random names later, no provider grain was activated for any of them.
        Assert.Equal(providerGrainsBefore, await ProviderActivationsAsync(grains));
        // The victim's own signed requests do spend its bucket: the limit still holds for it.
        var after = new List<int>();
        for (var i = 0; i < 25; i++) after.Add((await node.PostAsync("/v1/evidence", victim.Single(TestProvider.NewEvidence()))).Status);
        Assert.Contains(429, after);
    }

    [Fact]
    public async Task Random_provider_names_do_not_push_a_providers_keys_out_of_the_cache()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "flood-cache.test/log", _state));
        using var victim = new TestProvider("cached-victim");
        await victim.RegisterAsync(node);
        var cache = node.Services.GetRequiredService<ProviderKeyCache>();
        var known = node.Services.GetRequiredService<KnownProviders>();
        Assert.NotNull((await cache.GetAsync(victim.Id, victim.KeyId)).Key);
        Assert.True(cache.Holds(victim.Id));

        // Twice as many names as the cache holds; before, the 10,000th emptied it for everyone.
        var names = Enumerable.Range(0, 2 * ProviderKeyCache.MaxProviders).Select(i => $"nobody-{i}").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (name, _) =>
            Assert.False((await cache.GetAsync(name, "k1")).ProviderKnown));
        Assert.True(cache.Holds(victim.Id), "the victim's keys were evicted by names nobody registered");
        Assert.InRange(known.Count, 1, KnownProviders.MaxRemembered);
    }

    [Fact]
    public async Task One_client_address_is_limited_on_every_public_route_and_others_are_not()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "flood-client.test/log", _state,
            "--Anchor:RateLimit:ClientBurst=20", "--Anchor:RateLimit:ClientPermitsPerSecond=1"));
        // The flooder comes from 127.0.0.2 (Linux routes all of 127/8 to loopback), the tests' client from 127.0.0.1.
        using var flooder = new HttpClient(new SocketsHttpHandler { ConnectCallback = FromAddress(IPAddress.Parse("127.0.0.2")) })
        {
            BaseAddress = node.Http.BaseAddress,
        };
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 40; i++)
        {
            var path = (i % 4) switch { 0 => "/checkpoint", 1 => "/v1/node", 2 => "/v1/proofs/0", _ => "/no/such/route" };
            var response = await flooder.GetAsync(path);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused ??= response;
        }
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses.Take(20));
        Assert.Equal("application/problem+json", refused!.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ErrorCodes.RateLimited, JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["code"]!.GetValue<string>());
        Assert.NotNull(refused.Headers.RetryAfter);
        // POSTs count too.
        using var post = new StringContent("{}", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await flooder.PostAsync("/v1/evidence", post)).StatusCode);

        // Another address, and the operator listener, are not affected.
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync("/checkpoint")).StatusCode);
        Assert.Equal(200, (await node.HealthAsync()).Status);
    }

    /// <summary>A well-formed record signed by a key of its own, under a provider name nobody registered.</summary>
    private static JsonObject Stranger(string provider, SigningKey key)
    {
        var evidence = TestProvider.NewEvidence();
        return new JsonObject
        {
            ["provider"] = provider,
            ["keyId"] = "k1",
            ["evidence"] = evidence.ToJson(),
            ["sig"] = Convert.ToBase64String(key.Sign(Statements.Single(provider, "k1", evidence))),
        };
    }

    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> FromAddress(IPAddress local) => async (context, cancellationToken) =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    };

    /// <summary>Provider grain activations in the cluster, as Orleans' management grain counts them.</summary>
    private static async Task<int> ProviderActivationsAsync(IGrainFactory grains)
    {
        var stats = await grains.GetGrain<Orleans.Runtime.IManagementGrain>(0).GetSimpleGrainStatistics();
        return stats.Where(s => s.GrainType.Contains(nameof(ProviderGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);
    }
}
