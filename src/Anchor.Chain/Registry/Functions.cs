using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Anchor.Chain.Registry;

// The typed ABI of contracts/AnchorRegistry.sol (DESIGN A4). The reproducibility test checks the
// embedded artifact against the source, and RegistryAbiTests checks these types against its ABI.

/// <summary>Registers <see cref="Origin"/> under the sender's namespace with the commitment to the log's vkey (Core's RegistryLog).</summary>
[Function("registerLog", "bytes32")]
public sealed class RegisterLogFunction : FunctionMessage
{
    [Parameter("string", "origin", 1)] public string Origin { get; set; } = "";
    [Parameter("bytes32", "keyCommitment", 2)] public byte[] KeyCommitment { get; set; } = [];
}

[Function("transferOperator")]
public sealed class TransferOperatorFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    [Parameter("address", "next", 2)] public string Next { get; set; } = "";
}

[Function("anchor")]
public sealed class AnchorFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    [Parameter("uint64", "treeSize", 2)] public ulong TreeSize { get; set; }
    [Parameter("bytes32", "root", 3)] public byte[] Root { get; set; } = [];
}

[Function("rootAt", "bytes32")]
public sealed class RootAtFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    [Parameter("uint64", "treeSize", 2)] public ulong TreeSize { get; set; }
}

[Function("latest", typeof(LatestOutput))]
public sealed class LatestFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
}

[FunctionOutput]
public sealed class LatestOutput : IFunctionOutputDTO
{
    [Parameter("uint64", "treeSize", 1)] public ulong TreeSize { get; set; }
    [Parameter("bytes32", "root", 2)] public byte[] Root { get; set; } = [];
}

[Function("operatorOf", "address")]
public sealed class OperatorOfFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
}

[Function("keyCommitmentOf", "bytes32")]
public sealed class KeyCommitmentOfFunction : FunctionMessage
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
}

[Function("logIdOf", "bytes32")]
public sealed class LogIdOfFunction : FunctionMessage
{
    [Parameter("address", "registrant", 1)] public string Registrant { get; set; } = "";
    [Parameter("string", "origin", 2)] public string Origin { get; set; } = "";
}

/// <summary>Deploys the registry with the bytecode built from contracts/ (no constructor arguments).</summary>
public sealed class RegistryDeployment() : ContractDeploymentMessage(RegistryArtifact.Bytecode);
