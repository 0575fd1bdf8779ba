using System.Globalization;
using StackExchange.Redis;

namespace Anchor.Storage;

/// <summary>
/// Where the root log holds each member checkpoint, kept under the root log's prefix (one slot with its head):
/// <code>
/// member/ORIGIN   ZSET   member = leaf index in the root log (decimal), score = the member checkpoint's tree size
/// </code>
/// Written after the root append that placed the leaf. A crash in between loses only the hint: the next round appends
/// that member checkpoint again (a second leaf with the same body), which proves the same tree.
/// </summary>
public sealed class RootLogIndex(IConnectionMultiplexer redis, LogStore root)
{
    private readonly IDatabase _db = redis.GetDatabase();

    private RedisKey Key(string member) => root.Keys.Full("member/" + member);

    public Task AddAsync(string member, ulong memberSize, ulong leafIndex) =>
        _db.SortedSetAddAsync(Key(member), leafIndex.ToString(CultureInfo.InvariantCulture), memberSize);

    /// <summary>The largest member tree size the root log holds a checkpoint of, 0 for none.</summary>
    public async Task<ulong> LastSizeAsync(string member)
    {
        var last = await _db.SortedSetRangeByRankWithScoresAsync(Key(member), 0, 0, Order.Descending).ConfigureAwait(false);
        return last.Length == 0 ? 0 : (ulong)last[0].Score;
    }

    /// <summary>
    /// The first <paramref name="count"/> member checkpoints in the root log whose trees contain leaf <paramref name="leafIndex"/>
    /// (size above it), smallest size first: (member size, root leaf index).
    /// </summary>
    public async Task<List<(ulong Size, ulong LeafIndex)>> FirstAboveAsync(string member, ulong leafIndex, int count)
    {
        var found = await _db.SortedSetRangeByScoreWithScoresAsync(Key(member), leafIndex, double.PositiveInfinity, Exclude.Start,
            Order.Ascending, 0, count).ConfigureAwait(false);
        return [.. found.Select(e => ((ulong)e.Score, ulong.Parse((string)e.Element!, NumberStyles.None, CultureInfo.InvariantCulture)))];
    }
}
