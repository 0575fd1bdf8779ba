using System.Diagnostics;
using System.Text.Json;
using Anchor.Core.Signatures;
using FsCheck.Xunit;

namespace Anchor.Core.Tests.Signatures;

/// <summary>
/// Keys and signatures are read in their one canonical base64 spelling: any byte string's encoding is taken back, and
/// the other spellings of the same bytes that .NET's decoder also takes (whitespace, missing padding, non-zero padding
/// bits) are refused. Node.js's Buffer, an implementation that is not ours, judges every case alike.
/// </summary>
public class StandardBase64Tests
{
    [Property(MaxTest = 300)]
    public void TheCanonicalSpellingOfAnyBytesDecodesToThem(byte[] bytes)
    {
        Assert.True(StandardBase64.TryDecode(Convert.ToBase64String(bytes), out var decoded));
        Assert.Equal(bytes, decoded);
    }

    [Property(MaxTest = 300)]
    public void OtherSpellingsOfTheSameBytesAreRefused(byte[] bytes, byte position, bool newline)
    {
        if (bytes.Length == 0) return;
        var canonical = Convert.ToBase64String(bytes);
        foreach (var other in Aliases(canonical, position, newline))
        {
            Assert.False(StandardBase64.TryDecode(other, out _), $"'{other.Replace("\n", "\\n")}' is not how {canonical} is spelled");
            // Each is an alias .NET's lenient decoder takes: refusing it is a choice, not a decoding failure.
            Assert.Equal(bytes, Convert.FromBase64String(other.Length % 4 == 0 || other.Contains(' ') || other.Contains('\n') ? other : other + new string('=', (4 - other.Length % 4) % 4)));
        }
    }

    [Fact]
    public void NodeJsBufferAgreesOnWhichSpellingsAreCanonical()
    {
        var random = new Random(15);
        var cases = new List<string> { "", "AA==", "AB==", "AAA=", "AAB=", "AAAA", "A===", "=", "Zm9v", "Zm9v\n", " Zm9v", "Zm8", "Zm9=", "Zm8=" };
        for (var i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(1, 70)];
            random.NextBytes(bytes);
            var canonical = Convert.ToBase64String(bytes);
            cases.Add(canonical);
            cases.AddRange(Aliases(canonical, (byte)random.Next(256), random.Next(2) == 0));
        }
        // Node's decoder is lenient too; a spelling is canonical when re-encoding what it decodes gives it back.
        var start = new ProcessStartInfo("node") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-e");
        start.ArgumentList.Add("let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.stringify(JSON.parse(s).map(x=>/^[A-Za-z0-9+/=]*$/.test(x)&&x.length%4===0&&Buffer.from(x,'base64').toString('base64')===x))))");
        using var node = Process.Start(start) ?? throw new InvalidOperationException("cannot start node (Node.js is needed for this test)");
        node.StandardInput.Write(JsonSerializer.Serialize(cases));
        node.StandardInput.Close();
        var output = node.StandardOutput.ReadToEnd();
        node.WaitForExit();
        Assert.True(node.ExitCode == 0, node.StandardError.ReadToEnd());
        var theirs = JsonSerializer.Deserialize<bool[]>(output)!;
        for (var i = 0; i < cases.Count; i++)
            Assert.True(theirs[i] == StandardBase64.TryDecode(cases[i], out _), $"'{cases[i].Replace("\n", "\\n")}': Node says {theirs[i]}");
        Assert.Contains(true, theirs);
        Assert.Contains(false, theirs);
    }

    /// <summary>Spellings of the same bytes as <paramref name="canonical"/>: with whitespace, without padding, with padding bits set.</summary>
    private static IEnumerable<string> Aliases(string canonical, byte position, bool newline)
    {
        var at = position % (canonical.Length + 1);
        yield return canonical[..at] + (newline ? "\n" : " ") + canonical[at..];
        if (!canonical.EndsWith('=')) yield break;
        yield return canonical.TrimEnd('=');
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        // The character before the padding carries 2 (one byte left) or 4 (two bytes) bits that must be zero.
        var last = canonical.TrimEnd('=').Length - 1;
        var unused = canonical.EndsWith("==", StringComparison.Ordinal) ? 0b1111 : 0b11;
        var value = alphabet.IndexOf(canonical[last], StringComparison.Ordinal);
        yield return canonical[..last] + alphabet[(value & ~unused) | 1] + canonical[(last + 1)..];
    }
}
