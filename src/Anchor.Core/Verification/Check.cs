namespace Anchor.Core.Verification;

public enum CheckStatus { Pass, Fail, NotChecked }

/// <summary>One line of a verification report: what was checked, how it came out, and the values compared.</summary>
public sealed record Check(string Name, CheckStatus Status, string Detail)
{
    public static Check Pass(string name, string detail) => new(name, CheckStatus.Pass, detail);
    public static Check Fail(string name, string detail) => new(name, CheckStatus.Fail, detail);
    public static Check NotChecked(string name, string detail) => new(name, CheckStatus.NotChecked, detail);
}

/// <summary>Every check of one bundle, and what they prove together.</summary>
public sealed record VerificationReport(IReadOnlyList<Check> Checks, string Verdict)
{
    /// <summary>True only when no check failed and none was left unchecked.</summary>
    public bool AllPassed => Checks.All(c => c.Status == CheckStatus.Pass);
    public bool AnyFailed => Checks.Any(c => c.Status == CheckStatus.Fail);
}
