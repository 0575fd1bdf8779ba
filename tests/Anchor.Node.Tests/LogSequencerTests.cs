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
        var sequencer = new LogSequencer(store, signer);

        var evidence = TestProvider.NewEvidence();
        var record = Record(evidence);
        var other = Record(TestProvider.NewEvidence());
        var conflicting = Record(evidence with { Hash = new string('c', 64) });
        var results = (await sequencer.SequenceAsync([[record], [record], [other, conflicting]])).Select(c => c.Records).ToArray();

        Assert.Equal(0UL, results[0][0].LeafIndex);
        Assert.Equal(results[0][0], results[1][0]); // The retry shares the original's entry and place.
        Assert.All(results[2], r => Assert.Equal(ErrorCodes.NonceConflict, r.ErrorCode));
        Assert.Equal(1UL, (await store.ReadHeadAsync()).Size); // Nothing of the refused call was written.

        // Later, from the index: the same record returns the original, other content conflicts.
        var later = (await sequencer.SequenceAsync([[record], [conflicting], [other]])).Select(c => c.Records).ToArray();
        Assert.Equal(results[0][0], later[0][0]);
        Assert.Equal(ErrorCodes.NonceConflict, later[1][0].ErrorCode);
        Assert.Equal(1UL, later[2][0].LeafIndex);
        Assert.Equal(2UL, (await store.ReadHeadAsync()).Size);
    }

    private static VerifiedRecord Record(Evidence evidence) => VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(evidence), "c2ln", 0, Times.ToText(DateTimeOffset.UtcNow));

    /// <summary>
    /// A revocation is an entry of the log, and the sequencer refuses every record under the revoked key after it,
    /// whatever a verifier's cache still says; a reloaded sequencer knows the revocation from storage. A record forced
    /// in after the revocation (written past the sequencer) is named by the audit.
    /// </summary>
    [Fact]
    public async Task A_revoked_key_signs_nothing_after_its_revocation_entry_and_the_audit_names_a_record_that_did()
    {
        const string origin = "revoke.test/log";
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Connection);
        var store = new LogStore(connection, origin);
        using var signer = NoteSigner.Generate(origin);
        using var key = Anchor.Core.Signatures.SigningKey.Generate(Anchor.Core.Signatures.SignatureAlg.Ed25519);
        var sequencer = new LogSequencer(store, signer);
        var registration = new KeyRegistration("p", "k1", key.Descriptor,
            Convert.ToBase64String(key.Sign(Statements.KeyRegistration("p", "k1", key.Descriptor))), Times.ToText(DateTimeOffset.UtcNow));
        var keyEntry = (await sequencer.AppendKeyEventsAsync([new KeyEvent(registration.LeafData(), null)]))[0];

        VerifiedRecord Signed()
        {
            var evidence = TestProvider.NewEvidence();
            return VerifiedRecord.Single("p", "k1", CanonicalEvidence.Of(evidence),
                Convert.ToBase64String(key.Sign(Statements.Single("p", "k1", evidence))), keyEntry, Times.ToText(DateTimeOffset.UtcNow));
        }
        Assert.Null((await sequencer.SequenceAsync([[Signed()]]))[0].Records[0].ErrorCode);
        var revocation = new KeyRevocation("p", "k1", keyEntry.ToString(System.Globalization.CultureInfo.InvariantCulture), Times.ToText(DateTimeOffset.UtcNow));
        await sequencer.AppendKeyEventsAsync([new KeyEvent(revocation.LeafData(), keyEntry)]);
        var size = (await store.ReadHeadAsync()).Size;

        Assert.Equal(ErrorCodes.KeyRevoked, (await sequencer.SequenceAsync([[Signed()]]))[0].Records[0].ErrorCode);
        var reloaded = new LogSequencer(store, signer);
        Assert.Equal(ErrorCodes.KeyRevoked, (await reloaded.SequenceAsync([[Signed()]]))[0].Records[0].ErrorCode);
        Assert.Equal(size, (await store.ReadHeadAsync()).Size); // Nothing was written.

        var none = new Dictionary<string, Anchor.Core.Verification.IAnchorLookup>();
        var clean = await new LogAudit(connection, origin).RunAsync(signer.VerifierKey, [], none, null, default);
        Assert.Empty(clean.Findings);

        // Past the sequencer: a record under the revoked key appended straight to storage.
        var head = await store.ReadHeadAsync();
        var batch = new LogBatch(head, await store.ReadRangeAsync(head));
        var forged = Signed();
        var entry = new LogEntry("p", "k1", forged.Evidence.ToEvidence(), forged.Sig, null, Times.ToText(DateTimeOffset.UtcNow), revocation.Registration);
        var data = entry.LeafData();
        var index = batch.Add(data, Anchor.Core.Merkle.TreeHasher.HashLeaf(data));
        batch.IndexByHash(entry.Evidence.Hash, index);
        batch.IndexByContract("p", entry.Evidence.ContractId, index);
        batch.IndexNonce("p", entry.Evidence.Nonce, index);
        Assert.True(await store.TryAppendAsync(batch, signer.Sign(new Checkpoint(origin, batch.NewSize, batch.Root()))));
        var audit = await new LogAudit(connection, origin).RunAsync(signer.VerifierKey, [], none, null, default);
        var finding = Assert.Single(audit.Findings);
        Assert.Equal($"entry {index}", finding.Subject);
        Assert.Contains("after its revocation", finding.Problem, StringComparison.Ordinal);
    }
}
