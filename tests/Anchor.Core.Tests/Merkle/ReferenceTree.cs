using System.Security.Cryptography;

namespace Anchor.Core.Tests.Merkle;

/// <summary>
/// RFC 9162 section 2.1 written out literally (MTH, PATH, PROOF/SUBPROOF), independent of the
/// production code: it hashes with SHA-256 directly and shares nothing with Anchor.Core.Merkle.
/// MTH of a range is memoised so that every size up to a few hundred stays cheap.
/// </summary>
public sealed class ReferenceTree(IReadOnlyList<byte[]> leafData)
{
    private readonly Dictionary<(int, int), byte[]> _mth = [];

    public byte[] Mth(int begin, int end)
    {
        if (_mth.TryGetValue((begin, end), out var cached)) return cached;
        byte[] result;
        var n = end - begin;
        if (n == 0) result = SHA256.HashData([]);
        else if (n == 1) result = SHA256.HashData([0x00, .. leafData[begin]]);
        else
        {
            var k = LargestPowerOfTwoBelow(n);
            result = SHA256.HashData([0x01, .. Mth(begin, begin + k), .. Mth(begin + k, end)]);
        }
        return _mth[(begin, end)] = result;
    }

    /// <summary>PATH(m, D[begin:end]).</summary>
    public List<byte[]> Path(int m, int begin, int end)
    {
        var n = end - begin;
        if (n == 1) return [];
        var k = LargestPowerOfTwoBelow(n);
        return m < k
            ? [.. Path(m, begin, begin + k), Mth(begin + k, end)]
            : [.. Path(m - k, begin + k, end), Mth(begin, begin + k)];
    }

    /// <summary>PROOF(m, D[n]) = SUBPROOF(m, D[n], true).</summary>
    public List<byte[]> Proof(int m, int n) => SubProof(m, 0, n, true);

    private List<byte[]> SubProof(int m, int begin, int end, bool b)
    {
        var n = end - begin;
        if (m == n) return b ? [] : [Mth(begin, end)];
        var k = LargestPowerOfTwoBelow(n);
        return m <= k
            ? [.. SubProof(m, begin, begin + k, b), Mth(begin + k, end)]
            : [.. SubProof(m - k, begin + k, end, false), Mth(begin, begin + k)];
    }

    /// <summary>The largest power of two smaller than n (n &gt; 1).</summary>
    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k << 1 < n) k <<= 1;
        return k;
    }
}
