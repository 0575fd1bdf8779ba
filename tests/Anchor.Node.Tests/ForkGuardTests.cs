using Anchor.Core;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Grains.Anchoring;
using Anchor.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>
/// The sequencer never extends a head that lacks a tree the node published: each kind of published tree is forged
/// ahead of (or beside) the head, and the sequencer must refuse, on every silo, until the head contains it again.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class ForkGuardTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-fork-").FullName;

    [Fact]
    public async Task A_head_behind_the_witness_is_refused_on_every_silo_until_it_is_restored_and_no_index_is_given_twice()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var log = new Log(connection, "fork-witness.test/log", Path.Combine(_state, "a"));
        await log.Sequencer.SequenceAsync([Records(5)]);
        var early = await log.Store.ReadHeadAsync();
        await log.Sequencer.SequenceAsync([Records(4)]);
        var late = await log.Store.ReadHeadAsync();
        Assert.Equal(9UL, log.Witness.Latest!.Size); // Written before the records were answered.

        // Redis goes back to size 5 (a restore, an AOF cut short): the witness still says 9 was handed out.
        await RewriteHeadAsync(connection, log.Store, early);
        var fresh = new LogSequencer(log.Store, log.Signer, log.Guard);
        var refused = await Assert.ThrowsAsync<LogRolledBackException>(fresh.LoadAsync);
        Assert.Contains("the log was rolled back: its head is at size 5", refused.Message);
        Assert.Contains("the witness file", refused.Message);
        Assert.Contains("indices 5 to 8 a second time", refused.Message);

        // A silo without that witness (the sequencer moved) refuses too: the evidence is in Redis now, and a writer that
        // never loaded it is stopped by the append script.
        var other = new Log(connection, log.Store.Origin, Path.Combine(_state, "b"), log.Signer);
        Assert.Null(other.Witness.Latest);
        Assert.Contains("recorded as rollback evidence", (await Assert.ThrowsAsync<LogRolledBackException>(other.Sequencer.LoadAsync)).Message);
        var blind = new LogSequencer(log.Store, log.Signer);
        await blind.LoadAsync();
        await Assert.ThrowsAsync<SequencerUnavailableException>(() => blind.SequenceAsync([Records(1)]));
        Assert.Equal(5UL, (await log.Store.ReadHeadAsync()).Size);

        // The operator restores what was lost: every silo sequences again, after 9, and the evidence is gone.
        await RewriteHeadAsync(connection, log.Store, late);
        Assert.Equal(9UL, (await other.Sequencer.LoadAsync()).Size);
        Assert.Null(await log.Store.ReadRollbackAsync());
        Assert.Equal([9UL, 10UL], (await other.Sequencer.SequenceAsync([Records(2)]))[0].Records.Select(r => r.LeafIndex));
    }

    [Fact]
    public async Task A_kept_checkpoint_or_anchor_the_head_does_not_contain_is_a_rollback_or_a_fork()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var log = new Log(connection, "fork-kept.test/log", Path.Combine(_state, "a"), chains: ["local"]);
        await log.Sequencer.SequenceAsync([Records(6)]);
        var head = await log.Store.ReadHeadAsync();
        var other = TreeHasher.HashLeaf("another history"u8);

        // A checkpoint kept (for an anchor) at size 4 with another root: the log forked at or below 4.
        await log.Store.KeepCheckpointAsync(4, log.Signer.Sign(new Checkpoint(log.Store.Origin, 4, other)));
        var forked = await Assert.ThrowsAsync<LogRolledBackException>(log.Sequencer.LoadAsync);
        Assert.Contains("the log forked: at size 4 its root is", forked.Message);
        Assert.Contains("kept checkpoint 4", forked.Message);
        // The true one: fine again (and the recorded evidence, which names the forged tree, must go for this test to go on).
        await log.Store.KeepCheckpointAsync(4, log.Signer.Sign(new Checkpoint(log.Store.Origin, 4, await log.Store.ReadRootAtAsync(4))));
        await connection.GetDatabase().KeyDeleteAsync(log.Store.Keys.Rollback);
        Assert.Equal(6UL, (await log.Sequencer.LoadAsync()).Size);
        // One not signed by the log key is not something this node published: ignored.
        using var stranger = NoteSigner.Generate(log.Store.Origin);
        await log.Store.KeepCheckpointAsync(5, stranger.Sign(new Checkpoint(log.Store.Origin, 5, other)));
        Assert.Equal(6UL, (await log.Sequencer.LoadAsync()).Size);

        // An anchor record, whatever its state, beyond the head: its root was sent to a chain.
        var anchors = new AnchorStore(connection, log.Store.Origin);
        await anchors.SaveRecordAsync("local", StoredAnchor.NewId(8), 8, Record(8, other, AnchorStates.Pending), final: false, open: true);
        Assert.Contains("anchor record local/8 (pending)", (await Assert.ThrowsAsync<LogRolledBackException>(log.Sequencer.LoadAsync)).Message);
        await connection.GetDatabase().KeyDeleteAsync([log.Store.Keys.Rollback, log.Store.Keys.Full("anchors/local"), log.Store.Keys.Full("anchors/local/latest")]);
        // One at the head's size with the head's root agrees; the chain's own latest anchor with another root does not.
        await anchors.SaveRecordAsync("local", StoredAnchor.NewId(6), 6, Record(6, head.Root, AnchorStates.Confirmed), final: true, open: false);
        Assert.Null((await log.Guard.CheckAsync(log.Store.ReadHeadAsync)).Problem);
        var (_, problem) = await log.Guard.CheckAsync(log.Store.ReadHeadAsync, new PublishedTree(3, other, "the latest anchor on chain local"));
        Assert.StartsWith("the log forked: at size 3", problem);
        Assert.NotNull(await log.Store.ReadRollbackAsync());
    }

    [Fact]
    public async Task The_witness_keeps_the_last_checkpoint_through_a_torn_write_and_ignores_what_its_key_did_not_sign()
    {
        using var signer = NoteSigner.Generate("witness.test/log");
        var dir = Path.Combine(_state, "witness");
        var witness = new CheckpointWitness(dir, signer.VerifierKey);
        Assert.Null(witness.Latest);
        for (ulong size = 1; size <= 3; size++)
            await witness.RecordAsync(signer.Sign(new Checkpoint(signer.Name, size, TreeHasher.HashLeaf([(byte)size]))), size);
        Assert.Equal(3UL, new CheckpointWitness(dir, signer.VerifierKey).Latest!.Size);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir));
            foreach (var f in Directory.GetFiles(dir)) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
        }
        // Size 4 was being written when the power went: its slot is half a note. The other slot still says 3.
        var slots = Directory.GetFiles(dir).Order().ToArray();
        var newest = slots.Single(f => File.ReadAllText(f).Contains("\n3\n", StringComparison.Ordinal));
        var torn = slots.Single(f => f != newest);
        File.WriteAllText(torn, signer.Sign(new Checkpoint(signer.Name, 4, TreeHasher.HashLeaf([4])))[..40]);
        var reread = new CheckpointWitness(dir, signer.VerifierKey);
        Assert.Equal(3UL, reread.Latest!.Size);
        Assert.Contains(torn, reread.Problems.Single());
        // The next write goes to the torn slot, never over the good one.
        await reread.RecordAsync(signer.Sign(new Checkpoint(signer.Name, 4, TreeHasher.HashLeaf([4]))), 4);
        Assert.Contains("\n3\n", File.ReadAllText(newest));
        // A note that another key signed (a log key replaced) is no witness of this log.
        using var stranger = NoteSigner.Generate(signer.Name);
        File.WriteAllText(newest, stranger.Sign(new Checkpoint(signer.Name, 99, TreeHasher.HashLeaf([9]))));
        var foreign = new CheckpointWitness(dir, signer.VerifierKey);
        Assert.Equal(4UL, foreign.Latest!.Size);
        Assert.Single(foreign.Problems);
    }

    /// <summary>One log's storage, sequencer and fork check, with its witness in <c>witnessDir</c>.</summary>
    private sealed class Log
    {
        public Log(IConnectionMultiplexer connection, string origin, string witnessDir, NoteSigner? signer = null, string[]? chains = null)
        {
            Store = new LogStore(connection, origin);
            Signer = signer ?? NoteSigner.Generate(origin);
            Witness = new CheckpointWitness(witnessDir, Signer.VerifierKey);
            Guard = new ForkGuard(Store, new AnchorStore(connection, origin), Witness, Signer.VerifierKey, chains ?? [], TimeProvider.System, NullLogger<ForkGuard>.Instance);
            Sequencer = new LogSequencer(Store, Signer, Guard);
        }

        public LogStore Store { get; }
        public NoteSigner Signer { get; }
        public CheckpointWitness Witness { get; }
        public ForkGuard Guard { get; }
        public LogSequencer Sequencer { get; }
    }

    /// <summary>What a restore from an older copy does to the head (the entries above it are left, as a dead writer's would be).</summary>
    private static Task RewriteHeadAsync(IConnectionMultiplexer connection, LogStore store, LogHead head) =>
        connection.GetDatabase().HashSetAsync(store.Keys.Head, [new("size", head.Size.ToString()), new("root", head.RootHex), new("checkpoint", head.Checkpoint)]);

    private static string Record(ulong size, byte[] root, string state) =>
        new StoredAnchor(StoredAnchor.NewId(size), "local", new ChainAnchor("31337", "0x" + new string('1', 40), "0x" + new string('2', 64), size.ToString(),
            Hex.Encode(root), "0x" + new string('3', 64), "", "", ""), state, null, Times.ToText(DateTimeOffset.UtcNow), null).ToJson().ToJsonString();

    private static VerifiedRecord[] Records(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(TestProvider.NewEvidence()), "c2ln", 0, Times.ToText(DateTimeOffset.UtcNow)))];

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
