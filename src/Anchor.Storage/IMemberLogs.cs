namespace Anchor.Storage;

/// <summary>The logs a root log seals: every log the cluster serves.</summary>
public interface IMemberLogs
{
    Task<IReadOnlyList<LogStore>> MembersAsync();
}
