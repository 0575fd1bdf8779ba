namespace Anchor.Storage;

/// <summary>
/// The problems an audit found, listed up to <see cref="Limit"/> and counted beyond: a log broken throughout (every
/// entry changed) must not make the audit hold one finding per entry of a log of a hundred million.
/// </summary>
public sealed class AuditFindings
{
    public const int Limit = 10_000;
    private readonly List<AuditFinding> _listed = [];

    public int Count => _listed.Count;

    /// <summary>Findings past the limit.</summary>
    public long Dropped { get; private set; }

    public void Add(AuditFinding finding)
    {
        if (_listed.Count < Limit) _listed.Add(finding);
        else Dropped++;
    }

    public void AddRange(AuditFindings other)
    {
        foreach (var f in other._listed) Add(f);
        Dropped += other.Dropped;
    }

    public List<AuditFinding> Sorted(IComparer<string> bySubject) => [.. _listed.OrderBy(f => f.Subject, bySubject)];
}
