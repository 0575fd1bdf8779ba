using System.Security.Cryptography;
using System.Text;

namespace Anchor.Node.Api;

/// <summary>The operator's bearer token, compared in constant time.</summary>
public sealed class AdminToken(string token)
{
    private readonly byte[] _hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public bool Matches(string candidate) =>
        CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(candidate)));
}
