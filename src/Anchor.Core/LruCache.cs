namespace Anchor.Core;

/// <summary>
/// A bounded map that drops its least recently used entry when full. The caches of keys, verifiers and proof parts
/// use it instead of emptying themselves when full: whoever fills a cache with names of their choosing (random
/// provider ids, say) then pushes out only entries nobody used since, never everyone's at once.
/// One lock guards both structures; every operation is O(1).
/// </summary>
public sealed class LruCache<TKey, TValue>(int capacity, IEqualityComparer<TKey>? comparer = null) where TKey : notnull
{
    private readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _map = new(comparer);
    private readonly LinkedList<(TKey Key, TValue Value)> _order = new(); // Most recently used first.
    private readonly Lock _lock = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "an LRU cache holds at least one entry");

    public int Count
    {
        get { lock (_lock) return _map.Count; }
    }

    public bool TryGet(TKey key, out TValue value)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                value = default!;
                return false;
            }
            _order.Remove(node);
            _order.AddFirst(node);
            value = node.Value.Value;
            return true;
        }
    }

    /// <summary>Adds or replaces; when the cache is over capacity, the least recently used entry goes.</summary>
    public void Set(TKey key, TValue value)
    {
        lock (_lock)
        {
            if (_map.TryGetValue(key, out var node))
            {
                _order.Remove(node);
                node.Value = (key, value);
                _order.AddFirst(node);
                return;
            }
            _map[key] = _order.AddFirst((key, value));
            if (_map.Count > Capacity)
            {
                var last = _order.Last!;
                _order.RemoveLast();
                _map.Remove(last.Value.Key);
            }
        }
    }

    public bool Remove(TKey key)
    {
        lock (_lock)
        {
            if (!_map.Remove(key, out var node)) return false;
            _order.Remove(node);
            return true;
        }
    }

    /// <summary>Removes the entry only while it still holds <paramref name="value"/> (by reference or equality).</summary>
    public bool Remove(TKey key, TValue value)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node) || !EqualityComparer<TValue>.Default.Equals(node.Value.Value, value)) return false;
            _map.Remove(key);
            _order.Remove(node);
            return true;
        }
    }
}
