using System.Globalization;
using System.Text.Json.Nodes;
using Anchor.Core.Json;

namespace Anchor.Storage;

/// <summary>
/// One log of the cluster as the registry (<see cref="LogSet"/>) keeps it: when it was created, and whether it is frozen,
/// at which size and since when. A frozen log takes no more appends; everything below its frozen size stays readable.
/// Stored as JCS of <c>{createdAt, state: "open" | "frozen", frozenSize?, frozenAt?}</c>, strings only (DESIGN A2).
/// </summary>
public sealed record RegisteredLog(string Origin, string? CreatedAt, ulong? FrozenSize = null, string? FrozenAt = null)
{
    public const string Open = "open";
    public const string Frozen = "frozen";

    public bool IsFrozen => FrozenSize is not null;
    public string State => IsFrozen ? Frozen : Open;

    public string ToJson()
    {
        var json = new JsonObject { ["state"] = State };
        if (CreatedAt is not null) json["createdAt"] = CreatedAt;
        if (FrozenSize is { } size) json["frozenSize"] = size.ToString(CultureInfo.InvariantCulture);
        if (FrozenAt is not null) json["frozenAt"] = FrozenAt;
        return Jcs.EncodeToString(json);
    }

    public static RegisteredLog FromJson(string origin, string text)
    {
        var json = (JsonObject)Jcs.ParseStrict(text);
        var frozen = json["state"]?.GetValue<string>() == Frozen;
        return new RegisteredLog(origin, json["createdAt"]?.GetValue<string>(),
            frozen ? ulong.Parse(json["frozenSize"]!.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture) : null,
            frozen ? json["frozenAt"]?.GetValue<string>() : null);
    }
}
