using System.Security.Cryptography;
using System.Text;
using Anchor.Core.Records;
using Anchor.Grains;

namespace Anchor.Node.Api;

/// <summary>
/// Which entries a request may read. Entries name their provider and contract, so by default they are private:
/// the admin token reads every entry, a provider's read token only that provider's, no token none. With
/// <c>Anchor:Privacy:PublicEntries</c> everyone reads everything. Checkpoints, tiles and consistency proofs carry
/// no entry and are always public.
/// </summary>
public sealed class ReadAccess
{
    private readonly IGrainFactory? _grains;
    private readonly byte[]? _tokenHash;
    private readonly Dictionary<string, bool> _providers = new(StringComparer.Ordinal); // One request's answers.

    private ReadAccess(IGrainFactory? grains, byte[]? tokenHash)
    {
        _grains = grains;
        _tokenHash = tokenHash;
    }

    public static ReadAccess Everything { get; } = new(null, null);

    /// <summary>True for the admin token, or when entries are public.</summary>
    public bool ReadsEverything => _tokenHash is null;

    /// <summary>The reader a request is; 401 when entries are private and it brings no token.</summary>
    public static ReadAccess Of(HttpContext context, bool publicEntries)
    {
        if (publicEntries) return Everything;
        var token = ProofEndpoints.Bearer(context) ?? throw new ProblemException(ErrorCodes.Unauthorized,
            "entries are private on this node: send the provider's read token or the admin token (Authorization: Bearer …)");
        var services = context.RequestServices;
        if (services.GetRequiredService<AdminToken>().Matches(token)) return Everything;
        // Only the token's hash is compared (the provider grain keeps nothing else).
        return new ReadAccess(services.GetRequiredService<IGrainFactory>(), SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>
    /// Whether entries of <paramref name="provider"/> may be read: always for everything, else when the token is that
    /// provider's read token. The provider must be registered: call this with providers named by stored entries, or
    /// after <see cref="KnownProviders"/> said so, never with a name from the request alone (that would activate its grain).
    /// </summary>
    public async ValueTask<bool> MayReadAsync(string provider)
    {
        if (_tokenHash is null) return true;
        if (_providers.TryGetValue(provider, out var allowed)) return allowed;
        allowed = await _grains!.GetGrain<IProviderGrain>(provider).CheckReadToken(_tokenHash);
        _providers[provider] = allowed;
        return allowed;
    }
}
