using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Anchor.Node.Api;

/// <summary>
/// The OpenAPI document (/openapi/v1.json, read by /scalar): request and answer schemas for every route, the two bearer
/// schemes (admin token, read token), and only the routes of the API listener. The handlers read and write JSON by
/// hand (strict parsing, one encoder), so the schemas are written here, from docs/api.md, rather than derived from types.
/// </summary>
public static class ApiDescription
{
    public const string AdminScheme = "adminToken";
    public const string ReadScheme = "readToken";

    /// <summary>Operator-listener routes (the dashboard, metrics) answer 404 on the API port: they are not described.</summary>
    private static readonly string[] OperatorPrefixes = ["/dashboard", "/metrics", "/healthz"];

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            foreach (var path in document.Paths.Keys.Where(p => OperatorPrefixes.Any(o => p.StartsWith(o, StringComparison.Ordinal))).ToList())
                document.Paths.Remove(path);
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                [AdminScheme] = Bearer("The operator's admin token (STATE/admin-token, or Anchor:AdminToken)."),
                [ReadScheme] = Bearer("A provider's read token (answered at registration or rotation): its own entries only. The admin token reads every entry."),
            };
            document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
            foreach (var (name, schema) in Schemas()) document.Components.Schemas[name] = schema;
            foreach (var (path, item) in document.Paths)
            {
                foreach (var (method, operation) in item.Operations ?? [])
                    Describe(document, method.Method, path, operation);
            }
            return Task.CompletedTask;
        });
    }

    private static OpenApiSecurityScheme Bearer(string description) => new()
    {
        Type = SecuritySchemeType.Http, Scheme = "bearer", Description = description,
    };

    /// <summary>Per route: its body's schema, its answer's schema and media type, the scheme that opens it.</summary>
    private static void Describe(OpenApiDocument document, string method, string path, OpenApiOperation operation)
    {
        var (request, answer, media) = (method, path) switch
        {
            ("POST", "/v1/evidence") => ("Submission", "SubmitAnswer", "application/json"),
            ("POST", "/v1/evidence/batch") => ("BatchSubmission", "BatchAnswer", "application/json"),
            ("POST", "/v1/admin/providers") => ("ProviderRegistration", "ReadToken", "application/json"),
            ("POST", "/v1/admin/providers/{id}/keys") => ("ProviderKey", "Provider", "application/json"),
            ("POST", "/v1/admin/providers/{id}/read-token") => (null, "ReadToken", "application/json"),
            ("DELETE", "/v1/admin/providers/{id}/keys/{keyId}") => (null, "Provider", "application/json"),
            ("GET", "/v1/admin/providers") => (null, "ProviderList", "application/json"),
            ("GET", "/v1/admin/providers/{id}") => (null, "Provider", "application/json"),
            ("GET", "/v1/admin/status") => (null, "Status", "application/json"),
            ("POST", "/v1/admin/providers/{id}/move") => ("ProviderMove", "Provider", "application/json"),
            ("POST", "/v1/admin/logs") => ("LogCreation", "Log", "application/json"),
            ("POST", "/v1/admin/logs/{path}") => (null, "Log", "application/json"),
            ("GET", "/v1/logs") => (null, "LogList", "application/json"),
            ("GET", "/v1/proofs/{leafIndex}") => (null, "ProofBundle", "application/json"),
            ("GET", "/v1/proofs") or ("GET", "/v1/contracts/{contractId}/proofs") => (null, "BundlePage", "application/json"),
            ("GET", "/v1/consistency") => (null, "ConsistencyProof", "application/json"),
            ("GET", "/v1/node") => (null, "NodeInfo", "application/json"),
            ("GET", "/v1/trust") => (null, "TrustFile", "application/json"),
            ("GET", "/v1/anchors") => (null, "AnchorList", "application/json"),
            ("GET", "/checkpoint") => (null, "Checkpoint", "text/plain"),
            ("GET", "/tile/{path}") => ((string?)null, "Tile", "application/octet-stream"),
            _ => (null, "Any", "application/json"),
        };
        if (request is not null)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(request, document) } },
            };
        }
        operation.Responses ??= new OpenApiResponses();
        var ok = method == "POST" && path is "/v1/admin/providers" or "/v1/admin/logs" ? "201" : "200";
        foreach (var code in operation.Responses.Keys.Where(c => c.StartsWith('2') && c != ok).ToList()) operation.Responses.Remove(code);
        operation.Responses[ok] = new OpenApiResponse
        {
            Description = ok == "201" ? "Created" : "OK",
            Content = new Dictionary<string, OpenApiMediaType> { [media] = new() { Schema = new OpenApiSchemaReference(answer, document) } },
        };
        // Every refusal is an RFC 9457 problem with Anchor's stable code (docs/api.md, "Errors").
        foreach (var (code, response) in operation.Responses.Where(r => !r.Key.StartsWith('2')).ToList())
        {
            operation.Responses[code] = new OpenApiResponse
            {
                Description = response.Description ?? "A problem (RFC 9457) with a stable code",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("Problem", document) } },
            };
        }
        var scheme = path.StartsWith("/v1/admin", StringComparison.Ordinal) ? AdminScheme
            : path.StartsWith("/v1/proofs", StringComparison.Ordinal) || path.StartsWith("/v1/contracts", StringComparison.Ordinal) ? ReadScheme
            : null;
        if (scheme is not null)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] }];
            if (scheme == ReadScheme) // the admin token opens them too
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(AdminScheme, document)] = [] });
        }
    }

    /// <summary>The JSON of docs/api.md and docs/proof-format.md. Values of the ledger's formats are strings; operational answers may hold numbers.</summary>
    private static IEnumerable<(string Name, IOpenApiSchema Schema)> Schemas()
    {
        yield return ("Evidence", Object("One evidence record (docs/formats.md).",
            ["hashAlg", "hash", "contractId", "kind", "clientTime", "nonce"],
            ("hashAlg", Text("sha256, sm3, sha3-256 or keccak256")), ("hash", Text("the digest, lowercase hex")), ("contractId", Text("the contract or case, at most 256 UTF-8 bytes")),
            ("kind", Text("contract.document, contract.signature, identity.verification, sms.record, ip.record, video.record, audit.log or other")),
            ("metadataHash", Text("optional digest of provider-held metadata, lowercase hex")), ("clientTime", Text("RFC 3339 UTC time on the provider's clock")),
            ("nonce", Text("16 random bytes, lowercase hex: identifies the record for retries"))));
        yield return ("Submission", Object("One record and the provider's signature over anchor-evidence:v1\\n || JCS({provider, keyId, evidence}).",
            ["provider", "keyId", "evidence", "sig"], ("provider", Text("registered provider ID")), ("keyId", Text("the key's ID")),
            ("evidence", Ref("Evidence")), ("sig", Text("canonical standard base64"))));
        yield return ("BatchSubmission", Object("Up to 10,000 records under one signature over anchor-batch:v1\\n || JCS({provider, keyId, root, size}).",
            ["provider", "keyId", "records", "root", "sig"], ("provider", Text("registered provider ID")), ("keyId", Text("the key's ID")),
            ("records", Array(Ref("Evidence"))), ("root", Text("RFC 9162 root over the records' d_i, lowercase hex")), ("sig", Text("canonical standard base64"))));
        yield return ("Receipt", Object("The node's signed receipt.", ["origin", "leafIndex", "leafHash", "time", "sig"],
            ("origin", Text("the log")), ("leafIndex", Text("decimal")), ("leafHash", Text("hex")), ("time", Text("RFC 3339 UTC, the node's clock")), ("sig", Text("base64"))));
        yield return ("SubmitAnswer", Object("The entry, durably in the log.", ["entry", "leafIndex", "leafHash", "receipt"],
            ("entry", Any("the entry as the log holds it")), ("leafIndex", Text("decimal")), ("leafHash", Text("hex")), ("receipt", Ref("Receipt")),
            ("bundle", Ref("ProofBundle"))));
        yield return ("BatchAnswer", Object("Receipts in record order.", ["receipts"], ("receipts", Array(Ref("Receipt")))));
        yield return ("ProofBundle", Object("anchor-proof/v1 (docs/proof-format.md).",
            ["format", "entry", "providerKey", "leafIndex", "leafHash", "treeSize", "inclusion", "checkpoint", "logKey", "keyEntry", "anchors"],
            ("format", Text("anchor-proof/v1")), ("entry", Any("the entry")), ("providerKey", Any("the signing key's descriptor")),
            ("leafIndex", Text("decimal")), ("leafHash", Text("hex")), ("treeSize", Text("decimal")), ("inclusion", Array(Text("hex"))),
            ("checkpoint", Text("C2SP signed note")), ("logKey", Text("vkey")), ("keyEntry", Any("the key's registration entry and its inclusion proof")),
            ("anchors", Array(Any("a chain anchor"))), ("timestamps", Array(Any("an RFC 3161 time-stamp token")))));
        yield return ("BundlePage", Object("A page of bundles; pass next back as ?cursor=.", ["bundles"], ("bundles", Array(Ref("ProofBundle"))), ("next", Text("cursor of the next page"))));
        yield return ("ConsistencyProof", Object("RFC 9162 consistency proof.", ["from", "to", "proof"], ("from", Text("decimal")), ("to", Text("decimal")), ("proof", Array(Text("hex")))));
        yield return ("ProviderKey", Object("A key and its proof of possession over anchor-key:v1\\n || JCS({provider, keyId, key}).", ["keyId", "alg", "pop"],
            ("keyId", Text("the key's ID")), ("alg", Text("ed25519, ecdsa-p256-sha256, rsa-pkcs1-sha256, sm2-sm3 or eth-personal")),
            ("publicKey", Text("base64 (not for eth-personal)")), ("address", Text("0x address (eth-personal only)")), ("certificates", Array(Text("base64 DER, leaf first"))),
            ("pop", Text("base64 signature"))));
        yield return ("ProviderRegistration", Object("A provider and its keys.", ["id", "name", "keys"], ("id", Text("provider ID")), ("name", Text("display name")),
            ("keys", Array(Ref("ProviderKey"))), ("log", Text("the log's origin; without it, the least loaded open log"))));
        yield return ("ReadToken", Object("Shown once.", ["id", "readToken"], ("id", Text("provider ID")), ("readToken", Text("bearer token for the provider's entries")),
            ("log", Text("the provider's log (at registration)"))));
        yield return ("ProviderMove", Object("The open log the provider moves to.", ["log"], ("log", Text("a registered, open log's origin"))));
        yield return ("LogCreation", Object("A new log.", ["origin"], ("origin", Text("its name: first line of its checkpoints and name of its key"))));
        yield return ("Log", Object("One log of the cluster.", ["origin", "logKey", "size", "state"], ("origin", Text("the log's name")), ("logKey", Text("vkey")),
            ("size", Text("decimal")), ("state", Text("open or frozen")), ("createdAt", Text("RFC 3339")), ("frozenSize", Text("decimal")), ("frozenAt", Text("RFC 3339"))));
        yield return ("LogList", Object("Every log of the cluster, the default first.", ["logs"], ("logs", Array(Ref("Log")))));
        yield return ("Provider", Any("A provider with its keys and their revocation times."));
        yield return ("ProviderList", Object("Every provider.", ["providers"], ("providers", Array(Ref("Provider")))));
        yield return ("Status", Any("Operational status: log size and checkpoint age, anchoring per chain, time-stamping per TSA, silos, Redis persistence. May hold numbers."));
        yield return ("NodeInfo", Any("Origin, log key, chains, TSAs and version."));
        yield return ("TrustFile", Any("anchor-trust/v1: this node's entry for a verifier's trust file (docs/trust.md)."));
        yield return ("AnchorList", Any("Anchors of the log on every chain, newest first."));
        yield return ("Checkpoint", new OpenApiSchema { Type = JsonSchemaType.String, Description = "C2SP signed note" });
        yield return ("Tile", new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "c2sp tlog-tiles hash tile" });
        yield return ("Problem", Object("RFC 9457 problem; code is stable (docs/api.md, Errors).", ["type", "title", "status", "code"],
            ("type", Text("urn:anchor:error:CODE")), ("title", Text("short")), ("status", new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "HTTP status (a number)" }),
            ("detail", Text("what was wrong")), ("code", Text("stable error code"))));
        yield return ("Any", Any("JSON"));
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String, Description = description };
    private static OpenApiSchema Any(string description) => new() { Type = JsonSchemaType.Object, Description = description, AdditionalPropertiesAllowed = true };
    private static OpenApiSchema Array(IOpenApiSchema items) => new() { Type = JsonSchemaType.Array, Items = items };
    private static OpenApiSchemaReference Ref(string name) => new(name);

    private static OpenApiSchema Object(string description, string[] required, params (string Name, IOpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Description = description,
        Required = new HashSet<string>(required),
        Properties = properties.ToDictionary(p => p.Name, p => p.Schema),
    };
}
