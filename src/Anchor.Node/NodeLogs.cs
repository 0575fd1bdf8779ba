using Anchor.Storage;

namespace Anchor.Node;

/// <summary>The logs this node serves, as the root log seals them.</summary>
public sealed class NodeLogs(LogStore log) : IMemberLogs
{
    public Task<IReadOnlyList<LogStore>> ListAsync() => Task.FromResult<IReadOnlyList<LogStore>>([log]);
}
