using System.Text.Json.Nodes;
using Anchor.Cli;
using Anchor.Core.Signatures;

namespace Anchor.Core.Tests.Signatures;

/// <summary><c>anchor keygen</c> and <see cref="KeyFile"/>, through the real command-line parser, in a scratch directory.</summary>
public sealed class KeygenCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("anchor-keygen-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static (int Exit, string Output, string Error) Anchor(params string[] args) => Cli.CliRunner.RunSync(args);

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa-p256-sha256")]
    [InlineData("sm2-sm3")]
    [InlineData("eth-personal")]
    public void Writes_an_owner_only_key_file_and_prints_its_descriptor(string alg)
    {
        var path = Path.Combine(directory, "provider.key");
        var (exit, output, error) = Anchor("keygen", "--alg", alg, "--out", path, "--json");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        using var key = KeyFile.Load(path);
        Assert.Equal(alg, SignatureAlgs.ToWire(key.Alg));
        Assert.True(KeyDescriptor.TryFromJson(JsonNode.Parse(output)!.AsObject(), out var printed, out var parseError), parseError);
        Assert.Equal(key.Descriptor, printed);
        Assert.False(JsonNode.Parse(output)!.AsObject().ContainsKey("privateKey"));
        Assert.Single(output.TrimEnd().Split('\n')); // one line of JSON
        Assert.DoesNotContain("\\u", output); // base64 '+' is not escaped
    }

    [Fact]
    public void Text_output_explains_and_includes_the_descriptor()
    {
        var path = Path.Combine(directory, "k");
        var (exit, output, _) = Anchor("keygen", "--alg", "ed25519", "--out", path);
        Assert.Equal(0, exit);
        Assert.Contains("mode 0600", output);
        Assert.Contains(KeyFile.Load(path).Descriptor.PublicKey!, output);
    }

    [Fact]
    public void Refuses_to_overwrite_without_force_and_replaces_with_it()
    {
        var path = Path.Combine(directory, "node.key");
        File.WriteAllText(path, "precious");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var (exit, output, error) = Anchor("keygen", "--alg", "ed25519", "--out", path);
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("already exists", error);
        Assert.Equal("precious", File.ReadAllText(path));

        (exit, _, error) = Anchor("keygen", "--alg", "ed25519", "--out", path, "--force");
        Assert.Equal(0, exit);
        Assert.Equal("", error);
        using var key = KeyFile.Load(path);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path)); // not the old file's 0644
        Assert.Single(Directory.GetFiles(directory)); // no temporary file left behind
    }

    [Fact]
    public void Unknown_alg_and_missing_options_are_usage_errors()
    {
        var path = Path.Combine(directory, "k");
        Assert.NotEqual(0, Anchor("keygen", "--alg", "dsa", "--out", path).Exit);
        Assert.NotEqual(0, Anchor("keygen", "--out", path).Exit);
        Assert.NotEqual(0, Anchor("keygen", "--alg", "ed25519").Exit);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Unwritable_destination_is_reported()
    {
        var (exit, _, error) = Anchor("keygen", "--alg", "ed25519", "--out", Path.Combine(directory, "missing", "k"));
        Assert.Equal(1, exit);
        Assert.StartsWith("error: cannot write", error);
    }

    [Fact]
    public void Load_errors_name_the_file_and_the_reason()
    {
        var missing = Path.Combine(directory, "absent.key");
        Assert.False(KeyFile.TryLoad(missing, out _, out var error));
        Assert.Equal($"key file {missing} does not exist", error);
        Assert.Equal(error, Assert.Throws<FileNotFoundException>(() => KeyFile.Load(missing)).Message);

        Assert.False(KeyFile.TryLoad(directory, out _, out error));
        Assert.StartsWith($"cannot read key file {directory}:", error);

        var malformed = Path.Combine(directory, "bad.key");
        File.WriteAllText(malformed, "{\"alg\":\"ed25519\",\"privateKey\":\"AAAA\"}");
        Assert.False(KeyFile.TryLoad(malformed, out _, out error));
        Assert.Equal($"key file {malformed} is malformed: ed25519: privateKey must be the 32-byte seed, got 3 bytes", error);
        Assert.Equal(error, Assert.Throws<IOException>(() => KeyFile.Load(malformed)).Message);
    }
}
