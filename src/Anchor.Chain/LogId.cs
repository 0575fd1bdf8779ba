using Anchor.Core.Records;

namespace Anchor.Chain;

/// <summary>
/// A log's name in the registry: keccak256(abi.encode(registrant, keccak256(bytes(origin)))) (DESIGN A4), computed by
/// Core's <see cref="RegistryLog"/>. The registrant is part of the ID, so another account registering the same origin
/// gets another log.
/// </summary>
public static class LogId
{
    /// <exception cref="Anchor.Core.Records.AnchorException"><paramref name="registrant"/> is not a 0x-hex address.</exception>
    public static byte[] For(string registrant, string origin) => RegistryLog.IdBytes(RegistryLog.Address(registrant), origin);

    public static string Hex(string registrant, string origin) => RegistryLog.Id(registrant, origin);
}
