using Anchor.Core.Checkpoints;
using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Grains;
using Anchor.Storage;
using StackExchange.Redis;

namespace Anchor.Node.Tests;

/// <summary>Retries and conflicts inside one pool, where they never reach the nonce index.</summary>
[Collection(NodeCollection.Name)]
public sealed class LogSequencerTests(RedisServer redis)
{
    [Fact]
    public async Task A_retry_in_the_same_pool_is_written_once_and_a_conflicting_call_is_refused_whole()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, "pool.test/log");
        using var signer = NoteSigner.Generate("pool.test/log");
        var sequencer = new LogSequencer(store, signer, TimeProvider.System);

        var evidence = TestProvider.NewEvidence();
        var record = Record(evidence);
        var other = Record(TestProvider.NewEvidence());
        var conflicting = Record(evidence with { Hash = new string('c', 64) });
        var results = await sequencer.SequenceAsync([[record], [record], [other, conflicting]]);

        Assert.Equal(0UL, results[0][0].LeafIndex);
        Assert.Equal(results[0][0], results[1][0]); // The retry shares the original's entry and receipt.
        Assert.All(results[2], r => Assert.Equal(ErrorCodes.NonceConflict, r.ErrorCode));
        Assert.Equal(1UL, (await store.ReadHeadAsync()).Size); // Nothing of the refused call was written.

        // Later, from the index: the same record returns the original, other content conflicts.
        var later = await sequencer.SequenceAsync([[record], [conflicting], [other]]);
        Assert.Equal(results[0][0], later[0][0]);
        Assert.Equal(ErrorCodes.NonceConflict, later[1][0].ErrorCode);
        Assert.Equal(1UL, later[2][0].LeafIndex);
        Assert.Equal(2UL, (await store.ReadHeadAsync()).Size);
    }

    private static VerifiedRecord Record(Evidence evidence) => VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(evidence), "c2ln");
}
