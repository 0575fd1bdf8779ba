using System.CommandLine;

namespace Anchor.Cli;

/// <summary>The verbs of the `anchor` command; each group lives in its own file.</summary>
public static class CommandSet
{
    public static IEnumerable<Command> All() =>
    [
        KeygenCommand.Build(),
        EvidenceCommand.Build(),
        MerkleCommand.Build(),
        CheckpointCommand.Build(),
        VerifyCommand.Build(),
        Report.ReportCommand.Build(),
        ReceiptCommand.Build(),
        TrustCommand.Build(),
        SubmitCommand.Build(),
        .. LedgerCommands.Build(),
        ProofCommand.Build(),
        InfoCommand.Build(),
        AdminCommands.Build(),
        LogsCommands.Build(),
        ChainCommands.Build(),
        StatusCommand.Build(),
        AuditCommand.Build(),
        BenchCommand.Build(),
    ];
}
