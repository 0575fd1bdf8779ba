using Anchor.Core;

namespace Anchor.Node.Tests;

/// <summary>The bounded caches drop the least recently used entry, one at a time, never everything.</summary>
public sealed class LruCacheTests
{
    [Fact]
    public void A_full_cache_drops_the_entry_used_least_recently()
    {
        var cache = new LruCache<string, int>(3);
        cache.Set("a", 1);
        cache.Set("b", 2);
        cache.Set("c", 3);
        Assert.True(cache.TryGet("a", out _)); // a is now the most recently used; b the least.
        cache.Set("d", 4);
        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("a", out var a) && a == 1);
        Assert.True(cache.TryGet("c", out _) && cache.TryGet("d", out _));

        // Replacing a value keeps one entry and counts as a use.
        cache.Set("a", 10);
        cache.Set("e", 5);
        Assert.True(cache.TryGet("a", out a) && a == 10);
        Assert.False(cache.TryGet("c", out _));
    }

    [Fact]
    public void A_conditional_remove_leaves_a_newer_value_in_place()
    {
        var cache = new LruCache<string, string>(2);
        cache.Set("k", "old");
        cache.Set("k", "new");
        Assert.False(cache.Remove("k", "old"));
        Assert.True(cache.TryGet("k", out var v) && v == "new");
        Assert.True(cache.Remove("k", "new"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Many_writers_never_leave_it_over_capacity()
    {
        var cache = new LruCache<int, int>(100);
        Parallel.For(0, 100_000, i =>
        {
            cache.Set(i % 1000, i);
            cache.TryGet((i * 7) % 1000, out _);
        });
        Assert.Equal(100, cache.Count);
    }
}
