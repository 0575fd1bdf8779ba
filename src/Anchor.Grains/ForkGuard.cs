using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Grains.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.Logging;

namespace Anchor.Grains;

/// <summary>
/// Keeps the log from forking silently: compares the head with every tree the node already published, and names the first
/// one the head does not contain. Published trees are the last checkpoint handed out (<see cref="CheckpointWitness"/>, on
/// the sequencer's disk), the largest kept checkpoint, the latest anchor record of each chain, the latest anchor on a
/// chain (when the anchoring round passes it), and rollback evidence recorded earlier. A head smaller than one of them
/// went backwards; one that disagrees at a size it can check (its root at that size, recomputed from the tiles) forked.
/// Either way the problem is recorded in Redis (<see cref="LogStore.RecordRollbackAsync"/>), so no silo appends until the
/// head contains that tree again (an operator restored what was lost), and the sequencer refuses with
/// <see cref="ErrorCodes.LogRolledBack"/>: sequencing again would give indices that were handed out a second time.
/// </summary>
public sealed partial class ForkGuard(LogStore store, AnchorStore anchors, CheckpointWitness witness, VerifierKey key,
    IReadOnlyList<string> chains, TimeProvider time, ILogger<ForkGuard> logger)
{
    public CheckpointWitness Witness => witness;

    /// <summary>
    /// Reads what was published, then the head with <paramref name="readHead"/> (in that order: everything published was
    /// taken from a head no larger than the one read after it), and compares them. Returns the head and the problem, or
    /// null when the head contains every published tree (recorded evidence the head now contains is dropped).
    /// </summary>
    public async Task<(LogHead Head, string? Problem)> CheckAsync(Func<Task<LogHead>> readHead, PublishedTree? extra = null)
    {
        var (published, evidence) = await GatherAsync(extra).ConfigureAwait(false);
        var head = await readHead().ConfigureAwait(false);
        var problem = await CompareAsync(head, published).ConfigureAwait(false);
        if (problem is null)
        {
            if (evidence)
            {
                await store.ClearRollbackAsync().ConfigureAwait(false);
                LogRestored(logger, store.Origin, head.Size);
            }
            _logged = null;
            return (head, null);
        }
        await store.RecordRollbackAsync(problem.Tree.Size, new JsonObject
        {
            ["size"] = problem.Tree.Size.ToString(CultureInfo.InvariantCulture),
            ["root"] = Hex.Encode(problem.Tree.Root),
            ["source"] = problem.Tree.Source,
            ["headSize"] = head.Size.ToString(CultureInfo.InvariantCulture),
            ["headRoot"] = head.RootHex,
            ["detectedAt"] = Times.ToText(time.GetUtcNow()),
        }.ToJsonString()).ConfigureAwait(false);
        // Checked every few seconds while refusing: logged when it changes, not each time.
        if (_logged != problem.Detail) LogRolledBack(logger, store.Origin, problem.Detail);
        _logged = problem.Detail;
        return (head, problem.Detail);
    }

    private string? _logged;
    private readonly HashSet<string> _witnessProblemsLogged = new(StringComparer.Ordinal);

    private async Task<(List<PublishedTree> Trees, bool Evidence)> GatherAsync(PublishedTree? extra)
    {
        var trees = new List<PublishedTree>();
        foreach (var problem in witness.Problems.Where(p => _witnessProblemsLogged.Add(p))) LogWitnessProblem(logger, problem);
        if (witness.Latest is { } handedOut)
            trees.Add(new PublishedTree(handedOut.Size, handedOut.Root, $"the witness file {witness.Location} (the last checkpoint handed out)"));
        if (await store.ReadLatestKeptCheckpointAsync().ConfigureAwait(false) is { } note)
        {
            // Only a checkpoint this log's key signed is something the node published.
            try
            {
                var kept = Checkpoint.Verify(note, key);
                trees.Add(new PublishedTree(kept.Size, kept.Root, $"kept checkpoint {kept.Size}"));
            }
            catch (NoteError ex)
            {
                LogWitnessProblem(logger, $"the latest kept checkpoint is not signed by the log key ({ex.Message})");
            }
        }
        foreach (var chain in chains)
        {
            if (await anchors.ReadLatestRecordAsync(chain).ConfigureAwait(false) is not { } json) continue;
            // Whatever its state: a pending or orphaned anchor's root was still computed from this log and sent.
            var record = StoredAnchor.FromJson(json);
            trees.Add(new PublishedTree(record.TreeSize, Hex.Decode(record.Anchor.RootHex), $"anchor record {chain}/{record.TreeSize} ({record.State})"));
        }
        var evidence = false;
        if (await store.ReadRollbackAsync().ConfigureAwait(false) is { } recorded)
        {
            evidence = true;
            var j = (JsonObject)Jcs.ParseStrict(recorded);
            trees.Add(new PublishedTree(ulong.Parse(j["size"]!.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture),
                Hex.Decode(j["root"]!.GetValue<string>()), $"{j["source"]!.GetValue<string>()}, recorded as rollback evidence at {j["detectedAt"]!.GetValue<string>()}"));
        }
        if (extra is not null) trees.Add(extra);
        return (trees, evidence);
    }

    private sealed record Problem(PublishedTree Tree, string Detail);

    private async Task<Problem?> CompareAsync(LogHead head, List<PublishedTree> published)
    {
        foreach (var tree in published.OrderByDescending(t => t.Size))
        {
            var at = $"{tree.Source} names size {tree.Size} with root {Hex.Encode(tree.Root)}";
            if (tree.Size > head.Size)
                return new Problem(tree, $"the log was rolled back: its head is at size {head.Size} (root {head.RootHex}), but {at}; " +
                                         $"sequencing now would give indices {head.Size} to {tree.Size - 1} a second time");
            byte[] root;
            try
            {
                root = tree.Size == head.Size ? head.Root : await store.ReadRootAtAsync(tree.Size).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                return new Problem(tree, $"the log cannot show its root at size {tree.Size}, which {tree.Source} names: {ex.Message}");
            }
            if (!root.AsSpan().SequenceEqual(tree.Root))
                return new Problem(tree, $"the log forked: at size {tree.Size} its root is {Hex.Encode(root)}, but {at}");
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Log {Origin} refuses to sequence: {Problem}. Reads are still served; see docs/operations.md, \"The log was rolled back\"")]
    private static partial void LogRolledBack(ILogger logger, string origin, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log {Origin}: its head at size {Size} contains every published tree again; the recorded rollback evidence is dropped and sequencing resumes")]
    private static partial void LogRestored(ILogger logger, string origin, ulong size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fork check: {Problem}")]
    private static partial void LogWitnessProblem(ILogger logger, string problem);
}

/// <summary>A tree the node published (a checkpoint handed out, kept or anchored): its size, root, and where it was seen.</summary>
[GenerateSerializer, Immutable]
public sealed record PublishedTree([property: Id(0)] ulong Size, [property: Id(1)] byte[] Root, [property: Id(2)] string Source);

/// <summary>The head does not contain a tree the node published: the sequencer must not extend it (<see cref="ForkGuard"/>).</summary>
public sealed class LogRolledBackException(string problem) : Exception(problem);
