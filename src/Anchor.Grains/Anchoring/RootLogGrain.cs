using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Storage;
using Microsoft.Extensions.Logging;

namespace Anchor.Grains.Anchoring;

/// <summary>
/// Writes the root log: an RFC 9162 log whose leaf data is the body of a member log's checkpoint (the note text without its
/// signature lines: the bytes a TSA token over that checkpoint would cover). One activation in the cluster; calls run one at
/// a time, and the head's compare-and-swap refuses a second writer. Each append keeps every member checkpoint it places
/// (so bundles can name it) before the leaf is written, witnesses the root checkpoint on disk before anyone can seal it, and
/// then records where each member checkpoint sits (<see cref="RootLogIndex"/>).
/// </summary>
public sealed partial class RootLogGrain(SealedLog sealedLog, IMemberLogs members, RootLogIndex index, SealStore seals,
    ILogger<RootLogGrain> logger) : Grain, IRootLogGrain
{
    private LogStore Root => sealedLog.Log;
    private ForkGuard Guard => sealedLog.RootGuard!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!sealedLog.Rooted || this.GetPrimaryKeyString() != Root.Origin)
            throw new InvalidOperationException($"this node's root log is {(sealedLog.Rooted ? $"'{Root.Origin}'" : "not configured")}, not '{this.GetPrimaryKeyString()}'");
        return base.OnActivateAsync(cancellationToken);
    }

    public async Task<string?> Advance()
    {
        var (head, problem) = await Guard.CheckAsync(Root.ReadHeadAsync);
        if (problem is not null) throw new LogRolledBackException($"root log {Root.Origin}: {problem}");
        // A seal of this round is out already: the next round takes what grew since.
        if (await seals.PublishedAsync() is not null) return head.Checkpoint;
        var batch = new LogBatch(head, await Root.ReadRangeAsync(head));
        var placed = new List<(string Member, ulong Size, ulong LeafIndex)>();
        foreach (var member in (await members.MembersAsync()).OrderBy(m => m.Origin, StringComparer.Ordinal))
        {
            var memberHead = await member.ReadHeadAsync();
            if (memberHead.Checkpoint is null || memberHead.Size <= await index.LastSizeAsync(member.Origin)) continue;
            // Kept before its leaf exists: a bundle can always name a member checkpoint the root log holds.
            await member.KeepCheckpointAsync(memberHead.Size, memberHead.Checkpoint);
            var leaf = Core.Records.RootStep.LeafData(memberHead.Checkpoint);
            placed.Add((member.Origin, memberHead.Size, batch.Add(leaf, TreeHasher.HashLeaf(leaf))));
        }
        if (placed.Count == 0) return head.Checkpoint;
        var checkpoint = sealedLog.Signer.Sign(new Checkpoint(Root.Origin, batch.NewSize, batch.Root()));
        if (!await Root.TryAppendAsync(batch, checkpoint))
            throw new LogRolledBackException($"root log {Root.Origin}: its head moved under this append (another writer?); the next round appends again");
        await Guard.Witness.RecordAsync(checkpoint, batch.NewSize);
        foreach (var (member, size, leafIndex) in placed) await index.AddAsync(member, size, leafIndex);
        LogAppended(logger, Root.Origin, placed.Count, batch.NewSize);
        return checkpoint;
    }

    public async Task<string?> CheckPublished(PublishedTree? tree) => (await Guard.CheckAsync(Root.ReadHeadAsync, tree)).Problem;

    [LoggerMessage(Level = LogLevel.Information, Message = "Root log {Origin}: appended {Count} member checkpoints, size {Size}")]
    private static partial void LogAppended(ILogger logger, string origin, int count, ulong size);
}
