using System.Text.Json.Nodes;
using Anchor.Core.Records;
using Anchor.Core.Tests.Cli;
using Anchor.Core.Signatures;
using Anchor.Core.Tests.Verification;
using Anchor.Core.Verification;

namespace Anchor.Node.Tests;

/// <summary>
/// Provider keys with X.509 chains: the node accepts a key only with a chain to a CA of its provider-roots folder, valid
/// now, unrevoked by the CRLs of its CRL folder, and for that key; the bundle then names the certified subject.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class CertifiedProviderTests(RedisServer redis) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("anchor-state-").FullName;

    private static JsonObject Registration(string id, SigningKey key, KeyDescriptor descriptor)
    {
        var json = descriptor.ToJson();
        json["keyId"] = "k1";
        json["pop"] = Convert.ToBase64String(key.Sign(Statements.KeyRegistration(id, "k1", descriptor)));
        return new JsonObject { ["id"] = id, ["name"] = "Provider " + id, ["keys"] = new JsonArray(json) };
    }

    [Fact]
    public async Task Only_a_chain_to_a_trusted_CA_valid_now_unrevoked_and_for_the_key_registers_and_its_bundle_names_the_subject()
    {
        var roots = Directory.CreateDirectory(Path.Combine(_state, "roots")).FullName;
        var crls = Directory.CreateDirectory(Path.Combine(_state, "crls")).FullName;
        await using var node = await TestNode.StartAsync(TestNode.Args(redis.Connection, "certified.test/log", Path.Combine(_state, "node"),
            $"--Anchor:Trust:ProviderRoots={roots}", $"--Anchor:Trust:Crls={crls}"));
        using var ca = new ProviderCa();
        using var other = new ProviderCa(); // Same name, another key: a CA nobody configured.
        var now = DateTimeOffset.UtcNow;

        async Task Refused(string id, SigningKey key, KeyDescriptor descriptor, string code)
        {
            var (status, body) = await node.PostAsync("/v1/admin/providers", Registration(id, key, descriptor), node.AdminToken);
            Assert.True(status == 400 && body["code"]?.GetValue<string>() == code, $"{id}: want 400 {code}, got {status} {body.ToJsonString()}");
        }

        var (acme, acmeChain) = ca.Certify(now.AddDays(-1), now.AddDays(30));
        using var _a = acme;
        // The root is not in the folder yet: nobody vouches for the chain.
        await Refused("acme", acme, acmeChain, ErrorCodes.CertificateUntrusted);
        var size = (await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1];

        await File.WriteAllTextAsync(Path.Combine(roots, "test-ca.pem"), ca.Pem); // Picked up without a restart.
        var (forged, forgedChain) = other.Certify(now.AddDays(-1), now.AddDays(30));
        using var _f = forged;
        await Refused("forged", forged, forgedChain, ErrorCodes.CertificateUntrusted);
        var (expired, expiredChain) = ca.Certify(now.AddDays(-30), now.AddDays(-1));
        using var _e = expired;
        await Refused("expired", expired, expiredChain, ErrorCodes.CertificateExpired);
        var (revoked, revokedChain) = ca.Certify(now.AddDays(-1), now.AddDays(30));
        using var _r = revoked;
        await File.WriteAllBytesAsync(Path.Combine(crls, "test-ca.crl"), ca.Crl(Convert.FromBase64String(revokedChain.Certificates![0]), now.AddHours(-1)));
        await Refused("revoked", revoked, revokedChain, ErrorCodes.CertificateRevoked);
        using var thief = SigningKey.Generate(SignatureAlg.EcdsaP256Sha256); // Acme's certificate with another key.
        await Refused("thief", thief, thief.Descriptor with { Certificates = acmeChain.Certificates }, ErrorCodes.CertificateKeyMismatch);
        Assert.Equal(size, (await node.Http.GetStringAsync("/checkpoint")).Split('\n')[1]); // No refused key reached the log.

        var (status, body) = await node.PostAsync("/v1/admin/providers", Registration("acme", acme, acmeChain), node.AdminToken);
        Assert.True(status == 201, body.ToJsonString());
        var evidence = TestProvider.NewEvidence();
        var request = new JsonObject
        {
            ["provider"] = "acme", ["keyId"] = "k1", ["evidence"] = evidence.ToJson(),
            ["sig"] = Convert.ToBase64String(acme.Sign(Statements.Single("acme", "k1", evidence))),
        };
        (status, body) = await node.PostAsync("/v1/evidence", request);
        Assert.True(status == 200, body.ToJsonString());
        var (_, bundle) = await node.GetAsync($"/v1/proofs/{body["leafIndex"]}");

        // The node's trust entry lists the root it used; a verifier that takes it names the certified subject.
        var trust = TrustFile.FromJson((await node.GetAsync("/v1/trust")).Body);
        Assert.Equal([ca.Pem.Trim()], trust.ProviderRoots.Select(p => p.Trim()));
        var report = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = trust });
        Assert.True(report.AllPassed, string.Join("\n", report.Checks));
        Assert.Contains("CN=Acme Signing", report.Checks.Single(c => c.Name == "provider identity").Detail, StringComparison.Ordinal);
        // A verifier whose trust file names another CA does not accept the identity.
        var elsewhere = trust with { ProviderRoots = [other.Pem] };
        var refused = await BundleVerifier.VerifyAsync(ProofBundle.FromJson(bundle), new VerifyOptions { Trust = elsewhere });
        Assert.Equal(CheckStatus.Fail, refused.Checks.Single(c => c.Name == "provider identity").Status);

        // The CLI builds the same registration from a key file and a PEM chain: proof of possession and certificate included.
        var (cliKey, cliChain) = ca.Certify(now.AddDays(-1), now.AddDays(30), "CN=CLI Signing, O=Acme e-contracts, C=CN");
        using var _c = cliKey;
        var keyFile = Path.Combine(_state, "cli.key");
        await File.WriteAllTextAsync(keyFile, cliKey.Export());
        var chainFile = Path.Combine(_state, "cli-chain.pem");
        await File.WriteAllTextAsync(chainFile, System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE", Convert.FromBase64String(cliChain.Certificates![0])));
        var tokenFile = Path.Combine(_state, "admin-token");
        await File.WriteAllTextAsync(tokenFile, node.AdminToken);
        string[] auth = ["--node", node.Http.BaseAddress!.ToString(), "--admin-token-file", tokenFile];
        var (cliExit, cliOut, cliError) = await CliRunner.Run(["admin", "provider", "add", .. auth, "--id", "cli", "--name", "CLI", "--key", keyFile, "--key-id", "k1", "--certificate", chainFile]);
        Assert.True(cliExit == 0, cliOut + cliError);
        var (otherExit, _, otherError) = await CliRunner.Run(["admin", "provider", "add", .. auth, "--id", "cli-forged", "--name", "CLI", "--key", keyFile, "--certificate", Path.Combine(_state, "other.pem")]);
        Assert.NotEqual(0, otherExit); // No such file: a clear error, nothing registered.
        Assert.Contains("other.pem", otherError, StringComparison.Ordinal);

        // A chain that ends while the key is registered: records after its end are refused.
        var (brief, briefChain) = ca.Certify(now.AddDays(-1), DateTimeOffset.UtcNow.AddSeconds(3));
        using var _b = brief;
        (status, body) = await node.PostAsync("/v1/admin/providers", Registration("brief", brief, briefChain), node.AdminToken);
        Assert.True(status == 201, body.ToJsonString());
        await Task.Delay(TimeSpan.FromSeconds(4));
        var late = TestProvider.NewEvidence();
        (status, body) = await node.PostAsync("/v1/evidence", new JsonObject
        {
            ["provider"] = "brief", ["keyId"] = "k1", ["evidence"] = late.ToJson(),
            ["sig"] = Convert.ToBase64String(brief.Sign(Statements.Single("brief", "k1", late))),
        });
        Assert.True(status == 400 && body["code"]!.GetValue<string>() == ErrorCodes.CertificateExpired, body.ToJsonString());
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
