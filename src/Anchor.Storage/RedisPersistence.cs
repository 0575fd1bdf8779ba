using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>What the Redis server promises about durability.</summary>
public static class RedisPersistence
{
    /// <summary>True when the server writes an append-only file (<c>CONFIG GET appendonly</c> is yes).</summary>
    public static async Task<bool> AppendOnlyAsync(IConnectionMultiplexer redis)
    {
        var endpoint = redis.GetEndPoints().First();
        var config = await redis.GetServer(endpoint).ConfigGetAsync("appendonly").ConfigureAwait(false);
        return config.Any(p => p.Key == "appendonly" && string.Equals(p.Value, "yes", StringComparison.OrdinalIgnoreCase));
    }
}
