namespace Anchor.Core.Tests.Merkle;

public static class TestLeaves
{
    /// <summary>Distinct leaf data for leaf i.</summary>
    public static byte[] Data(int i) => [(byte)i, (byte)(i >> 8), 0xa5];
}
