namespace Anchor.Core.Tests;

/// <summary>Where the outside test vectors live: ../shared/testvectors beside the repository (or ANCHOR_TESTVECTORS).</summary>
public static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Vectors { get; } =
        Environment.GetEnvironmentVariable("ANCHOR_TESTVECTORS") is { Length: > 0 } env ? env
        : Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "testvectors"));

    public static string Vector(params string[] parts)
    {
        var path = Path.Combine([Vectors, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new FileNotFoundException($"test vector {path} is missing; set ANCHOR_TESTVECTORS to the shared testvectors folder");
        return path;
    }

    private static string FindRepoRoot()
    {
        if (Environment.GetEnvironmentVariable("ANCHOR_REPO_ROOT") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Anchor.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("cannot find Anchor.sln above " + AppContext.BaseDirectory);
    }
}
