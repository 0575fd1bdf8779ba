namespace Anchor.Chain.Tests;

/// <summary>The repository root: env ANCHOR_REPO_ROOT, else the nearest folder above the test binaries holding Anchor.sln.</summary>
public static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("ANCHOR_REPO_ROOT");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Anchor.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Anchor.sln) above " + AppContext.BaseDirectory + "; set ANCHOR_REPO_ROOT");
    }

    public static string Contracts => System.IO.Path.Combine(Path, "contracts");
}
