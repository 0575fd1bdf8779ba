namespace Anchor.Node.Tests;

/// <summary>The node refuses a Redis without AOF, saying how to fix it, unless told the Redis is throwaway.</summary>
public sealed class AofTests : IAsyncLifetime, IDisposable
{
    private readonly RedisServer _redis = new() { AppendOnly = false };
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    public Task InitializeAsync() => _redis.InitializeAsync();
    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public void A_redis_without_appendonly_is_refused_with_the_fix()
    {
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(TestNode.Args(_redis.Connection, "aof.test/log", _state)));
        Assert.Contains("appendonly", ex.Message);
        Assert.Contains("redis-server --appendonly yes", ex.Message);
        Assert.Contains("CONFIG SET appendonly yes", ex.Message);
        Assert.Contains("Anchor:Redis:Throwaway=true", ex.Message);
    }

    [Fact]
    public async Task A_throwaway_redis_is_accepted()
    {
        await using var node = await TestNode.StartAsync(TestNode.Args(_redis.Connection, "aof-throwaway.test/log", _state, "--Anchor:Redis:Throwaway=true"));
        Assert.Equal(200, (await node.GetAsync("/v1/node")).Status);
    }

    [Fact]
    public void Invalid_settings_are_refused_with_every_problem_named()
    {
        var ex = Assert.Throws<NodeStartupException>(() => NodeApp.Build(["--Anchor:Redis:Connection=", "--Anchor:Sequencer:PoolSize=0"]));
        Assert.Contains("Anchor:Origin is required", ex.Message);
        Assert.Contains("Anchor:Redis:Connection is required", ex.Message);
        Assert.Contains("Anchor:Sequencer:PoolSize", ex.Message);
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
