using System.Text;
using System.Text.Json.Nodes;
using Anchor.Core.Json;
using Anchor.Core.Records;

namespace Anchor.Core.Tests.Json;

public class JcsTests
{
    /// <summary>RFC 8785 section 3.2.2.2, the string example.</summary>
    [Fact]
    public void RfcStringExample()
    {
        var node = Jcs.ParseStrict("""{"k":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"}""");
        Assert.Equal("""{"k":"€$\u000f\nA'B\"\\\\\"/"}""", Jcs.EncodeToString(node));
    }

    /// <summary>RFC 8785 section 3.2.3, the sorting example (all its values are strings).</summary>
    [Fact]
    public void RfcSortingExample()
    {
        var node = Jcs.ParseStrict("""
        {
           "\u20ac": "Euro Sign",
           "\r": "Carriage Return",
           "\ufb33": "Hebrew Letter Dalet With Dagesh",
           "1": "One",
           "\ud83d\ude00": "Emoji: Grinning Face",
           "\u0080": "Control",
           "\u00f6": "Latin Small Letter O With Diaeresis"
        }
        """);
        var expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u0080\":\"Control\",\"ö\":\"Latin Small Letter O With Diaeresis\","
            + "\"€\":\"Euro Sign\",\"😀\":\"Emoji: Grinning Face\",\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"}";
        Assert.Equal(Encoding.UTF8.GetBytes(expected), Jcs.Encode(node));
    }

    [Fact]
    public void NonAsciiIsEmittedUnescaped()
    {
        var bytes = Jcs.Encode(new JsonObject { ["contractId"] = "合同-2026-001" });
        Assert.Equal("{\"contractId\":\"合同-2026-001\"}", Encoding.UTF8.GetString(bytes));
        Assert.Equal([0xE5, 0x90, 0x88], bytes[15..18]); // 合 as raw UTF-8
    }

    [Fact]
    public void EveryControlCharacterIsEscapedAsTheRfcSays()
    {
        for (var c = 0; c < 0x20; c++)
        {
            var expected = c switch
            {
                '\b' => "\\b", '\f' => "\\f", '\n' => "\\n", '\r' => "\\r", '\t' => "\\t",
                _ => $"\\u{c:x4}",
            };
            Assert.Equal($"[\"{expected}\"]", Jcs.EncodeToString(new JsonArray(((char)c).ToString())));
        }
        Assert.Equal("[\"\u007f\"]", Jcs.EncodeToString(new JsonArray("\u007f")));
    }

    [Fact]
    public void NestedObjectsAreSortedAtEveryLevel() =>
        Assert.Equal("""{"a":{"x":"1","y":"2"},"b":["z","a"]}""",
            Jcs.EncodeToString(Jcs.ParseStrict("""{ "b": ["z", "a"], "a": { "y": "2", "x": "1" } }""")));

    [Theory]
    [InlineData("""{"a":1}""", "numbers")]
    [InlineData("""{"a":true}""", "booleans")]
    [InlineData("""{"a":null}""", "null")]
    [InlineData("""{"a":"1","a":"2"}""", "duplicate")]
    [InlineData("""{"a":"1"} x""", "")]
    [InlineData("""{"a":"1",}""", "")]
    [InlineData("""{"a":"\ud800"}""", "")]
    [InlineData("", "")]
    public void StrictParsingRefuses(string json, string reason)
    {
        var e = Assert.Throws<AnchorException>(() => Jcs.Encode(Jcs.ParseStrict(json)));
        Assert.Equal(ErrorCodes.Malformed, e.Code);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void InvalidUtf8IsRefused() =>
        Assert.Equal(ErrorCodes.Malformed, Assert.Throws<AnchorException>(() => Jcs.ParseStrict([(byte)'"', 0xff, (byte)'"'])).Code);
}
