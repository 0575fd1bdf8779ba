using System.Security.Cryptography;
using System.Text;
using Anchor.Core;
using Anchor.Core.Json;
using Anchor.Storage;

namespace Anchor.Node.Tests;

/// <summary>Entries are stored packed; the leaf hash is over the unpacked bytes, so unpacking must give them back exactly.</summary>
public sealed class EntryCodecTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(510)]
    [InlineData(511)]
    [InlineData(1200)]
    public void Hex_runs_of_every_length_come_back_byte_for_byte(int hexLength)
    {
        var hex = Hex.Encode(RandomNumberGenerator.GetBytes((hexLength + 1) / 2))[..hexLength];
        foreach (var text in new[] { $"{{\"a\":\"{hex}\"}}", hex, $"{{\"a\":\"x{hex}Fz\",\"b\":[\"{hex}\",\"{hex}0\"]}}" })
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var packed = EntryCodec.Pack(bytes);
            Assert.Equal(bytes, EntryCodec.Unpack(packed));
            if (hexLength >= 32) Assert.True(packed.Length < bytes.Length, $"{text.Length} → {packed.Length}");
        }
    }

    [Fact]
    public void A_real_batch_entry_shrinks_and_round_trips()
    {
        using var provider = new TestProvider("codec");
        var body = provider.Batch([.. Enumerable.Range(0, 1000).Select(_ => TestProvider.NewEvidence())]);
        var entry = new System.Text.Json.Nodes.JsonObject
        {
            ["v"] = "1", ["provider"] = "codec", ["keyId"] = "k1", ["evidence"] = body["records"]![7]!.DeepClone(), ["sig"] = body["sig"]!.DeepClone(),
            ["batch"] = new System.Text.Json.Nodes.JsonObject
            {
                ["root"] = body["root"]!.DeepClone(), ["size"] = "1000", ["index"] = "7",
                ["path"] = new System.Text.Json.Nodes.JsonArray([.. Enumerable.Range(0, 10).Select(_ => (System.Text.Json.Nodes.JsonNode)Hex.Encode(RandomNumberGenerator.GetBytes(32)))]),
            },
            ["receivedAt"] = "2026-11-26T11:00:00.000Z",
        };
        var data = Jcs.Encode(entry);
        var packed = EntryCodec.Pack(data);
        Assert.Equal(data, EntryCodec.Unpack(packed));
        Assert.True(packed.Length < data.Length * 0.7, $"{data.Length} → {packed.Length}");
    }

    [Fact]
    public void Values_that_are_not_jcs_text_are_kept_as_they_are()
    {
        byte[] withMarkers = [(byte)'{', 0x00, 0x01, .. "0123456789abcdef0123456789abcdef"u8];
        byte[] leadingMarker = [0x00, 0x01, 5];
        Assert.Equal(leadingMarker, EntryCodec.Unpack(EntryCodec.Pack(leadingMarker)));
        Assert.Equal(withMarkers, EntryCodec.Unpack(EntryCodec.Pack(withMarkers)));
        Assert.Equal("junk"u8.ToArray(), EntryCodec.Unpack("junk"u8.ToArray())); // written before packing existed
        Assert.Throws<InvalidDataException>(() => EntryCodec.Unpack([0x00, (byte)'{', 0x01, 40, 1, 2]));
    }
}
