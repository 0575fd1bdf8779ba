using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Identity;
using Anchor.Core.Records;
using Anchor.Core.Signatures;
using Anchor.Grains;
using Anchor.Storage;

namespace Anchor.Node.Api;

/// <summary>The operator's routes: register providers, add and revoke their keys. Bearer: the admin token.</summary>
public static class AdminEndpoints
{
    public static void Map(WebApplication app)
    {
        var admin = app.MapGroup("/v1/admin").AddEndpointFilter(RequireAdmin)
            .ProducesProblem(400).ProducesProblem(401).ProducesProblem(403).ProducesProblem(404).ProducesProblem(409).ProducesProblem(415);
        admin.MapPost("/providers", RegisterAsync)
            .WithSummary("Register a provider with its keys; answers its read token (shown once)")
            .WithDescription("Body { id, name, keys: [ { keyId, alg, publicKey | address, certificates?, pop } ] }; pop is the key's base64 signature over anchor-key:v1\\n || JCS({provider, keyId, key}). Each key becomes a registration entry in the log.");
        admin.MapGet("/providers", ListAsync).WithSummary("Every registered provider with its keys");
        admin.MapGet("/providers/{id}", ShowAsync).WithSummary("One provider with its keys and their revocation times");
        admin.MapPost("/providers/{id}/keys", AddKeyAsync).WithSummary("Add a key { keyId, alg, publicKey | address, certificates?, pop }: a registration entry in the log");
        admin.MapDelete("/providers/{id}/keys/{keyId}", RevokeAsync)
            .WithSummary("Revoke a key from now on (a revocation entry in the log); entries before it stay valid");
        admin.MapPost("/providers/{id}/move", MoveAsync)
            .WithSummary("Move the provider to another open log { log }: its valid keys are registered there, and its records go there from then on");
        admin.MapPost("/providers/{id}/read-token", RotateReadTokenAsync)
            .WithSummary("Give the provider a new read token (shown once); the old one reads nothing from then on");
        LogSetEndpoints.MapAdmin(admin);
        Observability.StatusEndpoint.Map(admin);
    }

    private static async ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var token = ProofEndpoints.Bearer(context.HttpContext)
            ?? throw new ProblemException(ErrorCodes.Unauthorized, "the admin token is required (Authorization: Bearer …)");
        var expected = context.HttpContext.RequestServices.GetRequiredService<AdminToken>();
        if (!expected.Matches(token)) throw new ProblemException(ErrorCodes.Forbidden, "this is not the admin token");
        return await next(context);
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains, LogStore store)
    {
        var list = new JsonArray();
        foreach (var id in await store.ReadProvidersAsync())
            if (await grains.GetGrain<IProviderGrain>(id).Describe() is { } provider) list.Add(Describe(id, provider));
        return Results.Text(new JsonObject { ["providers"] = list }.ToJsonString(), "application/json");
    }

    private static async Task<IResult> ShowAsync(string id, IGrainFactory grains)
    {
        RequestBody.CheckId(id, "id");
        var provider = await grains.GetGrain<IProviderGrain>(id).Describe()
            ?? throw new ProblemException(ErrorCodes.ProviderUnknown, $"no provider '{id}' is registered", StatusCodes.Status404NotFound);
        return Results.Text(Describe(id, provider).ToJsonString(), "application/json");
    }

    private static JsonObject Describe(string id, ProviderDescription provider)
    {
        var keys = new JsonArray();
        foreach (var (keyId, key) in provider.Keys.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            var json = (JsonObject)JsonNode.Parse(key.DescriptorJson)!;
            json.Insert(0, "keyId", keyId);
            json["addedAt"] = Times.ToText(key.AddedAt);
            if (key.RevokedAt is { } revoked) json["revokedAt"] = Times.ToText(revoked);
            keys.Add(json);
        }
        var described = new JsonObject { ["id"] = id, ["name"] = provider.Name, ["registeredAt"] = Times.ToText(provider.RegisteredAt), ["keys"] = keys };
        if (provider.Log is not null) described["log"] = provider.Log;
        return described;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, IGrainFactory grains, LogStore store, ServedLogs logs, ProviderRoots roots, TimeProvider time)
    {
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.SingleLimit, context.RequestAborted);
        RequestBody.OnlyKnown(body, "id", "name", "keys", "log");
        var id = RequestBody.Id(body, "id");
        var name = RequestBody.String(body, "name");
        // The operator's choice, or the least loaded open log.
        var log = body["log"] is null ? await LogSetEndpoints.LeastLoadedAsync(logs) : (await LogSetEndpoints.OpenLogAsync(logs, RequestBody.String(body, "log"))).Registered.Origin;
        if (body["keys"] is not JsonArray keys || keys.Count == 0) throw new ProblemException(ErrorCodes.Malformed, "'keys' must be a non-empty array");
        var parsed = new List<NewKey>();
        foreach (var key in keys)
        {
            var newKey = ParseKey(id, key, roots, time);
            if (parsed.Any(k => k.KeyId == newKey.KeyId)) throw new ProblemException(ErrorCodes.Malformed, $"key id '{newKey.KeyId}' appears twice");
            parsed.Add(newKey);
        }
        var (token, hash) = NewReadToken();
        // The id joins the set of registered ids first, and the answer waits until no silo can still hold an
        // "unknown" answer for it (KnownProviders): from the 201 on, every silo accepts the provider.
        await store.AddProviderAsync(id);
        var added = System.Diagnostics.Stopwatch.GetTimestamp();
        bool registered;
        try { registered = await grains.GetGrain<IProviderGrain>(id).Register(name, [.. parsed], hash, log); }
        catch (RecordRefusedException ex) { throw new ProblemException(ex.Code, ex.Detail); }
        if (!registered) throw new ProblemException(Problem.ProviderExists, $"provider '{id}' is already registered");
        await KnownProviders.UnknownLapsedAsync(added);
        return Results.Text(new JsonObject { ["id"] = id, ["readToken"] = token, ["log"] = log }.ToJsonString(), "application/json", statusCode: 201);
    }

    private static async Task<IResult> MoveAsync(HttpContext context, string id, IGrainFactory grains, ServedLogs logs)
    {
        RequestBody.CheckId(id, "id");
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.SingleLimit, context.RequestAborted);
        RequestBody.OnlyKnown(body, "log");
        var target = await LogSetEndpoints.OpenLogAsync(logs, RequestBody.String(body, "log"));
        string? log;
        try { log = await grains.GetGrain<IProviderGrain>(id).MoveTo(target.Registered.Origin); }
        catch (RecordRefusedException ex) { throw new ProblemException(ex.Code, ex.Detail); }
        if (log is null) throw new ProblemException(ErrorCodes.ProviderUnknown, $"no provider '{id}' is registered", StatusCodes.Status404NotFound);
        var provider = await grains.GetGrain<IProviderGrain>(id).Describe();
        return Results.Text(Describe(id, provider!).ToJsonString(), "application/json");
    }

    private static async Task<IResult> RotateReadTokenAsync(string id, IGrainFactory grains, KnownProviders known)
    {
        RequestBody.CheckId(id, "id");
        var (token, hash) = NewReadToken();
        if (!await known.IsRegisteredAsync(id) || !await grains.GetGrain<IProviderGrain>(id).RotateReadToken(hash))
            throw new ProblemException(ErrorCodes.ProviderUnknown, $"no provider '{id}' is registered", StatusCodes.Status404NotFound);
        return Results.Text(new JsonObject { ["id"] = id, ["readToken"] = token }.ToJsonString(), "application/json");
    }

    /// <summary>A random read token and its SHA-256. Only the hash is stored: a copy of Redis does not let anyone read a provider's proofs.</summary>
    private static (string Token, byte[] Hash) NewReadToken()
    {
        var token = NodeState.Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    private static async Task<IResult> AddKeyAsync(HttpContext context, string id, IGrainFactory grains, ProviderRoots roots, TimeProvider time)
    {
        RequestBody.CheckId(id, "id");
        var body = await RequestBody.ReadObjectAsync(context.Request, RequestBody.SingleLimit, context.RequestAborted);
        var key = ParseKey(id, body, roots, time);
        try
        {
            if (!await grains.GetGrain<IProviderGrain>(id).AddKey(key))
                throw new ProblemException(ErrorCodes.ProviderUnknown, $"no provider '{id}' is registered", StatusCodes.Status404NotFound);
        }
        catch (RecordRefusedException ex)
        {
            throw new ProblemException(ex.Code, ex.Detail);
        }
        return Results.Text(new JsonObject { ["id"] = id, ["keyId"] = key.KeyId }.ToJsonString(), "application/json", statusCode: 201);
    }

    private static async Task<IResult> RevokeAsync(string id, string keyId, IGrainFactory grains)
    {
        RequestBody.CheckId(id, "id");
        DateTimeOffset? at;
        try { at = await grains.GetGrain<IProviderGrain>(id).RevokeKey(keyId); }
        catch (RecordRefusedException ex) { throw new ProblemException(ex.Code, ex.Detail, StatusCodes.Status404NotFound); }
        if (at is null) throw new ProblemException(ErrorCodes.ProviderUnknown, $"no provider '{id}' is registered", StatusCodes.Status404NotFound);
        return Results.Text(new JsonObject { ["id"] = id, ["keyId"] = keyId, ["revokedAt"] = Times.ToText(at.Value) }.ToJsonString(), "application/json");
    }

    /// <summary>
    /// A key to register: its id, the descriptor JSON that bundles will carry as providerKey, and its proof of possession.
    /// A key with a certificate chain must chain to a CA of the provider roots, be valid now and unrevoked by their CRLs,
    /// and be the chain's leaf key; its validity window then bounds the records it may sign.
    /// </summary>
    private static NewKey ParseKey(string provider, JsonNode? node, ProviderRoots roots, TimeProvider time)
    {
        if (node is not JsonObject obj) throw new ProblemException(ErrorCodes.Malformed, "a key must be an object { keyId, alg, publicKey | address, certificates?, pop }");
        RequestBody.OnlyKnown(obj, "keyId", "alg", "publicKey", "address", "certificates", "pop");
        var keyId = RequestBody.Id(obj, "keyId");
        if (!KeyDescriptor.TryFromJson(obj, out var descriptor, out var error))
            throw new ProblemException(ErrorCodes.Malformed, $"key '{keyId}': {error}");
        // The chain first: a certificate for another key is certificate_key_mismatch, whatever else is wrong.
        DateTimeOffset? notBefore = null, notAfter = null;
        if (descriptor.Certificates is { Count: > 0 } certificates)
        {
            var validation = CertificateValidator.Validate(descriptor, roots.Trust(), time.GetUtcNow());
            if (!validation.Valid) throw new ProblemException(validation.Code!, $"key '{keyId}': {validation.Detail}");
            var chain = certificates.Select(c => CertificateIdentity.Read(Convert.FromBase64String(c))).Append(validation.Root!).ToList();
            (notBefore, notAfter) = (chain.Max(c => c.NotBefore), chain.Min(c => c.NotAfter));
        }
        if (!SignatureVerifier.TryCreate(descriptor, out _, out error)) throw new ProblemException(ErrorCodes.Malformed, $"key '{keyId}': {error}");
        var pop = obj["pop"] is JsonValue v && v.TryGetValue<string>(out var text) ? text
            : throw new ProblemException(ErrorCodes.PopInvalid, $"key '{keyId}' needs 'pop': its signature over its registration statement (anchor admin provider add builds it from the key file)");
        // Checked here too (the provider grain checks it again where it writes the entry), so a refused key changes nothing.
        if (!new KeyRegistration(provider, keyId, descriptor, pop, Times.ToText(time.GetUtcNow())).ProvesPossession(out error))
            throw new ProblemException(ErrorCodes.PopInvalid, $"key '{keyId}': {error}");
        return new NewKey(keyId, descriptor.ToJson().ToJsonString(), pop, notBefore, notAfter);
    }
}
