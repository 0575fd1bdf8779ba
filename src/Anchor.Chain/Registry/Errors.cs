using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Anchor.Chain.Registry;

// The registry's custom errors. Describe() is the one line printed for a revert.

public interface IRegistryError
{
    string Describe();
}

[Error("LogExists")]
public sealed class LogExistsError : IRegistryError
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    public string Describe() => $"LogExists(logId=0x{Convert.ToHexStringLower(LogId)})";
}

[Error("UnknownLog")]
public sealed class UnknownLogError : IRegistryError
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    public string Describe() => $"UnknownLog(logId=0x{Convert.ToHexStringLower(LogId)})";
}

[Error("NotOperator")]
public sealed class NotOperatorError : IRegistryError
{
    [Parameter("bytes32", "logId", 1)] public byte[] LogId { get; set; } = [];
    [Parameter("address", "caller", 2)] public string Caller { get; set; } = "";
    public string Describe() => $"NotOperator(logId=0x{Convert.ToHexStringLower(LogId)}, caller={Caller})";
}

[Error("SizeNotIncreasing")]
public sealed class SizeNotIncreasingError : IRegistryError
{
    [Parameter("uint64", "last", 1)] public ulong Last { get; set; }
    [Parameter("uint64", "given", 2)] public ulong Given { get; set; }
    public string Describe() => $"SizeNotIncreasing(last={Last}, given={Given})";
}

[Error("ZeroRoot")]
public sealed class ZeroRootError : IRegistryError
{
    public string Describe() => "ZeroRoot()";
}

[Error("ZeroKeyCommitment")]
public sealed class ZeroKeyCommitmentError : IRegistryError
{
    public string Describe() => "ZeroKeyCommitment()";
}

[Error("ZeroOperator")]
public sealed class ZeroOperatorError : IRegistryError
{
    public string Describe() => "ZeroOperator()";
}

public static class RegistryErrors
{
    /// <summary>Every custom error of the contract, in ABI order; the decoder tries each.</summary>
    public static readonly IReadOnlyList<Type> All =
    [
        typeof(LogExistsError), typeof(NotOperatorError), typeof(SizeNotIncreasingError),
        typeof(UnknownLogError), typeof(ZeroKeyCommitmentError), typeof(ZeroOperatorError), typeof(ZeroRootError),
    ];
}
