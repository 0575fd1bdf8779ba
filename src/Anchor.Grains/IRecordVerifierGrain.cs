namespace Anchor.Grains;

/// <summary>Stateless workers that check provider signatures, in parallel on every silo.</summary>
public interface IRecordVerifierGrain : IGrainWithIntegerKey
{
    /// <summary>Checks a single record's key and signature; throws <see cref="RecordRefusedException"/> on refusal.</summary>
    Task<VerifiedRecord> VerifySingle(string provider, string keyId, CanonicalEvidence evidence, string sig);

    /// <summary>
    /// Recomputes the batch root over the records, checks it equals <paramref name="root"/> and the
    /// signature over the batch statement, and returns each record with the batch's leaf hashes (its path is computed
    /// where the entry is written). Immutable: the records are not copied on the way in.
    /// </summary>
    Task<VerifiedRecord[]> VerifyBatch(string provider, string keyId, Immutable<CanonicalEvidence[]> records, string root, string sig);
}
