namespace Anchor.Core.Verification;

/// <summary>Pass and Fail are checks run; NotChecked a check that could not run (it keeps a verdict from VALID);
/// Info a fact that is not a check, such as a key without a certificate (shown, never a failure).</summary>
public enum CheckStatus { Pass, Fail, NotChecked, Info }

/// <summary>One line of a verification report: what was checked, how it came out, and the values compared.</summary>
public sealed record Check(string Name, CheckStatus Status, string Detail)
{
    public static Check Pass(string name, string detail) => new(name, CheckStatus.Pass, detail);
    public static Check Fail(string name, string detail) => new(name, CheckStatus.Fail, detail);
    public static Check NotChecked(string name, string detail) => new(name, CheckStatus.NotChecked, detail);
    public static Check Info(string name, string detail) => new(name, CheckStatus.Info, detail);
}

/// <summary>
/// What a verification established. Valid: every check passed against roots the verifier chose. Invalid: a check
/// failed. Unverified: no trusted root applies (none given, or the log is not in the trust file). Untrusted: only the
/// bundle's own key was used, for exploration.
/// </summary>
public enum VerificationOutcome { Valid, Invalid, Unverified, Untrusted }

/// <summary>One fact of the verdict's summary: who, what, when, where, trusted roots.</summary>
public sealed record SummaryLine(string Label, string Text);

/// <summary>Every check of one bundle, what they prove together, and the summary of who, what, when and where.</summary>
public sealed record VerificationReport(IReadOnlyList<Check> Checks, VerificationOutcome Outcome, string Verdict, IReadOnlyList<SummaryLine> Summary)
{
    /// <summary>True only when no check failed, none was left unchecked, and the roots were trusted ones.</summary>
    public bool AllPassed => Outcome == VerificationOutcome.Valid && Checks.All(c => c.Status is CheckStatus.Pass or CheckStatus.Info);
    public bool AnyFailed => Checks.Any(c => c.Status == CheckStatus.Fail);

    /// <summary>
    /// The exit code of <c>anchor verify</c>: 0 every check passed against trusted roots; 1 a check failed, or could not
    /// run (an anchor without an RPC to check it); 3 no trusted root applies.
    /// </summary>
    public int ExitCode => Outcome switch
    {
        VerificationOutcome.Valid => AllPassed ? 0 : 1,
        VerificationOutcome.Invalid => 1,
        _ => 3,
    };
}
