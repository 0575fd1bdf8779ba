using System.Collections.Concurrent;
using Anchor.Core.Identity;

namespace Anchor.Core.Tests.Identity;

/// <summary>root → intermediate → leaf of one key family, and the trust a validator would be given for it.</summary>
internal sealed record TestChain(TestCa Root, TestCa Intermediate, TestLeaf Leaf)
{
    public IReadOnlyList<byte[]> Chain => [Leaf.Der, Intermediate.Der];

    public CertificateTrust Trust(params byte[][] crls) => CertificateTrust.Create([Root.Der], crls);

    public CertificateValidation Validate(DateTimeOffset at, params byte[][] crls) => CertificateValidator.Validate(Chain, Leaf.Spki, Trust(crls), at);
}

/// <summary>
/// One chain per key family for the test run (RSA keys take a while to find), with fixed dates so that no result
/// depends on the clock: the root 2024–2034, the intermediate 2024–2030, the leaf during 2025, a record in June 2025.
/// </summary>
internal static class TestChains
{
    public static readonly DateTimeOffset RootFrom = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset RootTo = new(2034, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset IntermediateTo = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LeafFrom = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset LeafTo = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Record = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>GB 32100's own example code (the one Wikipedia shows), as Chinese EV certificates write it: NTRCN- in organizationIdentifier.</summary>
    public const string ExampleCreditCode = "91350100M000100Y43";

    public static readonly TestName LeafName = new(("2.5.4.6", "CN"), ("2.5.4.10", "示例科技有限公司"), ("2.5.4.97", "NTRCN-" + ExampleCreditCode), ("2.5.4.3", "Example Signing"));

    private static readonly ConcurrentDictionary<KeyFamily, Lazy<TestChain>> Chains = new();

    public static TheoryData<KeyFamily> Families() => [KeyFamily.Rsa, KeyFamily.P256, KeyFamily.Sm2];

    public static TestChain For(KeyFamily family) => Chains.GetOrAdd(family, f => new Lazy<TestChain>(() => Create(f))).Value;

    public static TestCa NewRoot(KeyFamily family, string name = "Example Root CA") => TestCa.Root(family, TestName.Cn(name), RootFrom, RootTo);

    public static DateTimeOffset Day(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The same chain made again under a self-signed root with the same name and another key: what a forger makes to pass
    /// as the CA, or what a CA makes as its next root generation.
    /// </summary>
    public static TestChain Twin(TestChain chain)
    {
        var root = chain.Root.Impostor(RootFrom, RootTo);
        var intermediate = root.IssueCa(chain.Intermediate.Name, RootFrom, IntermediateTo);
        return new TestChain(root, intermediate, intermediate.IssueLeaf(LeafName, LeafFrom, LeafTo, TestCa.SigningUsage));
    }

    private static TestChain Create(KeyFamily family)
    {
        var root = NewRoot(family);
        var intermediate = root.IssueCa(TestName.Cn("Example Issuing CA"), RootFrom, IntermediateTo);
        return new TestChain(root, intermediate, intermediate.IssueLeaf(LeafName, LeafFrom, LeafTo, TestCa.SigningUsage));
    }
}
