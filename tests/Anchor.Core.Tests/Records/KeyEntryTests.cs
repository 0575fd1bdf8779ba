using Anchor.Core.Json;
using Anchor.Core.Records;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Records;

public class KeyEntryTests
{
    private static KeyRegistration Registered(SigningKey key, string provider = "acme", string keyId = "k1") =>
        new(provider, keyId, key.Descriptor, Convert.ToBase64String(key.Sign(Statements.KeyRegistration(provider, keyId, key.Descriptor))),
            "2026-11-30T10:00:00.000Z");

    public static TheoryData<SignatureAlg> Algs() => [.. SignatureAlgs.All];

    [Theory]
    [MemberData(nameof(Algs))]
    public void ARegistrationProvesPossessionOfItsOwnKeyOnly(SignatureAlg alg)
    {
        using var key = SigningKey.Generate(alg);
        using var other = SigningKey.Generate(alg);
        var genuine = Registered(key);
        Assert.True(genuine.ProvesPossession(out var error), error);

        // Someone else's public key with our signature: the operator (or anyone) cannot register a key it does not hold.
        Assert.False((genuine with { Key = other.Descriptor }).ProvesPossession(out _));
        // The signature names provider and key ID: it cannot be moved to another provider or key ID.
        Assert.False((genuine with { Provider = "mallory" }).ProvesPossession(out _));
        Assert.False((genuine with { KeyId = "k2" }).ProvesPossession(out _));
        // An evidence signature is no proof of possession: its prefix differs.
        var evidence = new Evidence("sha256", new string('a', 64), "c", "other", null, "2026-11-30T10:00:00.000Z", new string('0', 32));
        Assert.False((genuine with { Pop = Convert.ToBase64String(key.Sign(Statements.Single("acme", "k1", evidence))) }).ProvesPossession(out _));
        Assert.False((genuine with { Pop = "not base64!" }).ProvesPossession(out _));
    }

    [Fact]
    public void EntriesRoundTripAsJcsAndAreToldApartFromEvidence()
    {
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var registration = Registered(key);
        Assert.Equal(registration.LeafData(), KeyRegistration.FromJson(Jcs.ParseStrict(registration.LeafData())).LeafData());
        Assert.Equal(Jcs.Encode(registration.ToJson()), registration.LeafData());
        var revocation = new KeyRevocation("acme", "k1", "0", "2026-11-30T11:00:00.000Z");
        Assert.Equal(revocation.LeafData(), KeyRevocation.FromJson(Jcs.ParseStrict(revocation.LeafData())).LeafData());

        // Neither is evidence: a proof GET gives them no bundle of their own.
        Assert.Null(LogEntry.ReadSigner(registration.LeafData()));
        Assert.Null(LogEntry.ReadSigner(revocation.LeafData()));
        Assert.Equal(KeyRegistration.Type, KeyEntries.TypeOf(registration.ToJson()));
        Assert.Null(KeyEntries.TypeOf(new LogEntry("acme", "k1", new Evidence("sha256", new string('a', 64), "c", "other", null,
            "2026-11-30T10:00:00.000Z", new string('0', 32)), "c2ln", null, "2026-11-30T10:00:00.000Z", "7").ToJson()));
    }

    [Fact]
    public void MalformedEntriesAreRefused()
    {
        using var key = SigningKey.Generate(SignatureAlg.Ed25519);
        var json = Registered(key).ToJson();
        var extra = json.DeepClone().AsObject();
        extra["note"] = "x";
        Assert.Throws<AnchorException>(() => KeyRegistration.FromJson(extra));
        var wrongType = json.DeepClone().AsObject();
        wrongType["type"] = KeyRevocation.Type;
        Assert.Throws<AnchorException>(() => KeyRegistration.FromJson(wrongType));
        var badTime = json.DeepClone().AsObject();
        badTime["registeredAt"] = "yesterday";
        Assert.Throws<AnchorException>(() => KeyRegistration.FromJson(badTime));
        Assert.Throws<AnchorException>(() => KeyRevocation.FromJson(new KeyRevocation("acme", "k1", "01", "2026-11-30T11:00:00.000Z").ToJson()));
    }
}
