using System.Globalization;
using Anchor.Core.Checkpoints;
using Anchor.Core.Merkle;
using Anchor.Core.Records;
using Anchor.Core.Verification;

namespace Anchor.Core.Tests.Verification;

/// <summary>
/// A cluster's root log built in memory, as the node's sealing rounds keep it: its leaves are member checkpoint bodies
/// (leaf hash SHA-256(0x00 ‖ body)), and it signs its own checkpoints under its own origin and key.
/// </summary>
public sealed class RootLog(string origin = RootLog.DefaultOrigin) : IDisposable
{
    public const string DefaultOrigin = "test.anchor/root";
    private readonly MemoryTree _tree = new();

    public string Origin { get; } = origin;
    public NoteSigner LogKey { get; } = NoteSigner.Generate(origin);
    public ulong Size => _tree.Size;
    public byte[] Root() => _tree.Root();

    /// <summary>Appends a member checkpoint (a signed note) and returns its leaf index.</summary>
    public ulong Append(string memberCheckpoint)
    {
        _tree.AppendLeafHash(RootStep.LeafHash(memberCheckpoint));
        return _tree.Size - 1;
    }

    public string Checkpoint() => LogKey.Sign(new Checkpoint(Origin, _tree.Size, _tree.Root()));

    /// <summary>The step from leaf <paramref name="leafIndex"/> to the current root checkpoint.</summary>
    public RootStep Step(ulong leafIndex) => new(Text(leafIndex), Text(_tree.Size),
        [.. _tree.Inclusion(leafIndex, _tree.Size).Select(h => Hex.Encode(h))], Checkpoint(), LogKey.VerifierKey.ToString());

    /// <summary>An anchor of the current root tree on <paramref name="chain"/>, as the anchor grain records it (not on any real chain).</summary>
    public ChainAnchor Anchor(TrustedChain chain) => new(chain.ChainId, chain.Registry, chain.LogId, Text(_tree.Size), "0x" + Hex.Encode(_tree.Root()),
        "0x" + new string('2', 64), "5", "0x" + new string('3', 64), Times.ToText(DateTimeOffset.UtcNow));

    /// <summary>The trust file's entry for this root log.</summary>
    public TrustedLog Trusted(params TrustedChain[] chains) => new(Origin, [LogKey.VerifierKey.ToString()], chains);

    private static string Text(ulong n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => LogKey.Dispose();
}
