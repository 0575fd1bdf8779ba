namespace Anchor.Grains;

/// <summary>Stateless workers that check provider signatures, in parallel on every silo.</summary>
public interface IRecordVerifierGrain : IGrainWithIntegerKey
{
    /// <summary>Checks a single record's key and signature; throws <see cref="RecordRefusedException"/> on refusal.</summary>
    Task<VerifiedRecord> VerifySingle(string provider, string keyId, string evidenceJson, string sig);

    /// <summary>
    /// Recomputes the batch root over the records, checks it equals <paramref name="root"/> and the
    /// signature over the batch statement, and returns each record with its batch path.
    /// </summary>
    Task<VerifiedRecord[]> VerifyBatch(string provider, string keyId, string[] evidenceJson, string root, string sig);
}
