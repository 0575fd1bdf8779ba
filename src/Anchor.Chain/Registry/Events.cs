using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Anchor.Chain.Registry;

[Event("LogRegistered")]
public sealed class LogRegisteredEvent : IEventDTO
{
    [Parameter("bytes32", "logId", 1, true)] public byte[] LogId { get; set; } = [];
    [Parameter("address", "operator", 2, true)] public string Operator { get; set; } = "";
    [Parameter("string", "origin", 3, false)] public string Origin { get; set; } = "";
    [Parameter("bytes32", "keyCommitment", 4, false)] public byte[] KeyCommitment { get; set; } = [];
}

[Event("Anchored")]
public sealed class AnchoredEvent : IEventDTO
{
    [Parameter("bytes32", "logId", 1, true)] public byte[] LogId { get; set; } = [];
    [Parameter("uint64", "treeSize", 2, true)] public ulong TreeSize { get; set; }
    [Parameter("bytes32", "root", 3, false)] public byte[] Root { get; set; } = [];
}

[Event("OperatorTransferred")]
public sealed class OperatorTransferredEvent : IEventDTO
{
    [Parameter("bytes32", "logId", 1, true)] public byte[] LogId { get; set; } = [];
    [Parameter("address", "previous", 2, true)] public string Previous { get; set; } = "";
    [Parameter("address", "next", 3, true)] public string Next { get; set; } = "";
}
