using System.Text.Json;

namespace Anchor.Chain.Registry;

/// <summary>The compiled registry embedded from contracts/artifacts/AnchorRegistry.json.</summary>
public static class RegistryArtifact
{
    public const string ResourceName = "AnchorRegistry.json";

    private static readonly Lazy<(string Json, string Bytecode, string DeployedBytecode, string Compiler)> Loaded = new(Load);

    /// <summary>The artifact exactly as embedded (the reproducibility test compares it byte for byte).</summary>
    public static string Json => Loaded.Value.Json;
    public static string Bytecode => Loaded.Value.Bytecode;
    /// <summary>The runtime code: what eth_getCode returns at a registry's address.</summary>
    public static string DeployedBytecode => Loaded.Value.DeployedBytecode;
    public static string CompilerVersion => Loaded.Value.Compiler;

    private static (string, string, string, string) Load()
    {
        using var stream = typeof(RegistryArtifact).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        var json = reader.ReadToEnd();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        return (json,
            root.GetProperty("bytecode").GetString()!,
            root.GetProperty("deployedBytecode").GetString()!,
            root.GetProperty("compiler").GetProperty("version").GetString()!);
    }
}
