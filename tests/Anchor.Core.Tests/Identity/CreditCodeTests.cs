using Anchor.Core.Identity;

namespace Anchor.Core.Tests.Identity;

/// <summary>The unified social credit code (GB 32100-2015): both check characters, the alphabet, and where it hides in text.</summary>
public class CreditCodeTests
{
    private const string Example = "91350100M000100Y43"; // the standard's example, as Wikipedia shows it
    private const string AllDigits = "914403001922038216"; // a published company code with no letters

    [Fact]
    public void Published_codes_are_valid()
    {
        Assert.True(CreditCode.IsValid(Example));
        Assert.True(CreditCode.IsValid(AllDigits));
    }

    [Fact]
    public void Every_single_character_change_is_caught()
    {
        const string alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
        for (var i = 0; i < Example.Length; i++)
            foreach (var c in alphabet.Where(c => c != Example[i]))
                Assert.False(CreditCode.IsValid(Example[..i] + c + Example[(i + 1)..]), $"position {i + 1} changed to {c}");
    }

    [Fact]
    public void Each_check_is_needed()
    {
        // The mod-31 check holds but the embedded GB 11714 organisation code's check does not.
        Assert.False(CreditCode.IsValid("91350100M000101Y4Q"));
        // Passes both checks of a credit code, yet is a well-formed citizen ID number (region 99 does not exist).
        Assert.False(CreditCode.IsValid("990000197211260330"));
        Assert.Null(CreditCode.Find("serialNumber=990000197211260330"));
        // Letters outside the alphabet, lowercase, other lengths.
        Assert.False(CreditCode.IsValid("91350100M000100Y4I"));
        Assert.False(CreditCode.IsValid(Example.ToLowerInvariant()));
        Assert.False(CreditCode.IsValid(Example.AsSpan(0, 17)));
        Assert.False(CreditCode.IsValid(Example + "0"));
    }

    [Theory]
    [InlineData("NTRCN-91350100M000100Y43")]
    [InlineData("N91350100M000100Y43")]
    [InlineData("统一社会信用代码：91350100M000100Y43")]
    [InlineData("051@N91350100M000100Y43@示例科技有限公司@0001")]
    [InlineData("ntrcn-91350100m000100y43")]
    public void Code_is_found_behind_a_prefix(string text) => Assert.Equal(Example, CreditCode.Find(text));

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("91350100M000100Y43X")] // glued after: the last 18 characters of the run are not a code
    [InlineData("91350100M000100Y4")]
    [InlineData("Example Signing")]
    public void Nothing_is_found_where_there_is_no_code(string? text) => Assert.Null(CreditCode.Find(text));
}
