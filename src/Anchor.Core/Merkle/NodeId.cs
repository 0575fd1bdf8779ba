namespace Anchor.Core.Merkle;

/// <summary>
/// A node of the tree: <see cref="Level"/> 0 holds the leaves, and node (l, i) covers leaves
/// [i·2^l, (i+1)·2^l). Only perfect subtrees have IDs; the right border of an unbalanced tree
/// is made of "ephemeral" nodes that are computed, never stored.
/// </summary>
public readonly record struct NodeId(int Level, ulong Index)
{
    public NodeId Parent => new(Level + 1, Index >> 1);
    public NodeId Sibling => new(Level, Index ^ 1);

    /// <summary>The leaf range [Begin, End) under this node.</summary>
    public ulong Begin => Index << Level;
    public ulong End => (Index + 1) << Level;

    public override string ToString() => $"({Level},{Index})";
}
