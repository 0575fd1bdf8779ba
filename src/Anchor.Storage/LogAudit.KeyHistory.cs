using System.Globalization;
using Anchor.Core.Records;

namespace Anchor.Storage;

public sealed partial class LogAudit
{
    /// <summary>
    /// Key history (DESIGN A3), checked as the entries stream by: every registration proves possession of its key; every
    /// revocation ends an earlier registration of the same key; every record names an earlier registration of the key
    /// that signed it, and no record follows that key's revocation entry. Entries come in index order, so what is held
    /// when record i is checked is exactly the key entries below i. Holds the key entries only (one per provider key),
    /// never the records.
    /// </summary>
    private sealed class KeyHistory
    {
        private readonly Dictionary<ulong, KeyRegistration> _registrations = [];
        private readonly Dictionary<ulong, ulong> _revokedAt = []; // Registration index → the first revocation of it.

        public void Register(ulong index, KeyRegistration registration, AuditFindings findings)
        {
            _registrations[index] = registration;
            if (!registration.ProvesPossession(out var error)) findings.Add(new($"entry {index}", $"key registration: {error}"));
        }

        public void Revoke(ulong index, KeyRevocation revocation, AuditFindings findings)
        {
            var target = ulong.Parse(revocation.Registration, CultureInfo.InvariantCulture);
            if (target >= index || !_registrations.TryGetValue(target, out var k) || k.Provider != revocation.Provider || k.KeyId != revocation.KeyId)
                findings.Add(new($"entry {index}", $"revokes entry {target}, which is not an earlier registration of {revocation.Provider}/{revocation.KeyId}"));
            else _revokedAt.TryAdd(target, index);
        }

        public void CheckRecord(ulong index, LogEntry e, AuditFindings findings)
        {
            var keyIndex = ulong.Parse(e.KeyEntry, CultureInfo.InvariantCulture);
            if (keyIndex >= index || !_registrations.TryGetValue(keyIndex, out var k) || k.Provider != e.Provider || k.KeyId != e.KeyId)
                findings.Add(new($"entry {index}", $"names key entry {keyIndex}, which is not an earlier registration of {e.Provider}/{e.KeyId}"));
            else if (_revokedAt.TryGetValue(keyIndex, out var revocation))
                findings.Add(new($"entry {index}", $"was accepted under {e.Provider}/{e.KeyId} after its revocation in entry {revocation}"));
        }
    }
}
