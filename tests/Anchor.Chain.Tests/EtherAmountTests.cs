using System.Numerics;

namespace Anchor.Chain.Tests;

public class EtherAmountTests
{
    [Theory]
    [InlineData("1500000000000000000", "1.5 ETH (1500000000000000000 wei)")]
    [InlineData("0", "0 ETH (0 wei)")]
    [InlineData("1", "0.000000000000000001 ETH (1 wei)")]
    [InlineData("10000000000000000000000", "10000 ETH (10000000000000000000000 wei)")]
    [InlineData("123456789012345678901", "123.456789012345678901 ETH (123456789012345678901 wei)")]
    [InlineData("-2000000000000000", "-0.002 ETH (-2000000000000000 wei)")]
    public void Balances_read_in_ETH_with_the_exact_wei_beside(string wei, string expected)
    {
        Assert.Equal(expected, EtherAmount.Format(BigInteger.Parse(wei)));
        Assert.Equal(expected, EtherAmount.Format(wei));
    }

    [Fact]
    public void A_balance_that_is_not_a_number_is_shown_as_given() => Assert.Equal("n/a wei", EtherAmount.Format("n/a"));
}
