using System.Text.Json;

namespace Switchboard.Host.Config;

/// <summary>Validates <c>$.nfs</c>: name → { type, config }. The config object is the NF's own business
/// (it validates it when built); here it only has to be an object.</summary>
internal static class NfParser
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>Specs in document order; <paramref name="declared"/> gets every NF name, valid or not.</summary>
    public static Dictionary<string, NfSpec> Parse(ObjectView? nfs, PortTable ports, IReadOnlySet<string> knownTypes,
                                                   HashSet<string> declared, Diagnostics diag)
    {
        var specs = new Dictionary<string, NfSpec>(StringComparer.Ordinal);
        if (nfs is null) return specs;
        var typeList = ConfigNames.List(knownTypes.Order(StringComparer.Ordinal));
        foreach (var property in nfs.Properties())
        {
            var name = property.Name;
            var path = nfs.ChildPath(name);
            declared.Add(name);
            if (ConfigNames.Check(name, path, "NF", diag) && ports.Declared.ContainsKey(name))
                diag.Error(path, $"'{name}' is already a port name ({JsonPath.Key("$.ports", name)}); ports and NFs share one namespace");
            var nf = ObjectView.From(property.Value, path, diag);
            if (nf is null) continue;
            nf.RejectUnknownKeys("type", "config", "faults");
            var type = nf.String("type", required: true);
            if (type is not null && !knownTypes.Contains(type))
                diag.Error(nf.ChildPath("type"), $"unknown NF type '{type}'{NearestName.Hint(type, knownTypes)}; known NF types: {typeList}");
            var config = EmptyObject;
            if (nf.TryGet("config", out var c))
            {
                if (c.ValueKind == JsonValueKind.Object) config = c.Clone();
                else diag.Error(nf.ChildPath("config"), $"expected an object, got {ObjectView.Describe(c)}");
            }
            var faults = ParseFaults(nf, diag);
            if (type is not null) specs[name] = new NfSpec(name, type, config, path) { Faults = faults };
        }
        return specs;
    }

    /// <summary><c>"faults": { "limit": 1000, "onQuarantine": "drop" | "bypass" }</c>; defaults when absent.</summary>
    private static FaultPolicy ParseFaults(ObjectView nf, Diagnostics diag)
    {
        var f = nf.Object("faults");
        if (f is null) return FaultPolicy.Default;
        f.RejectUnknownKeys("limit", "onQuarantine");
        long limit = f.Integer("limit", 0, long.MaxValue) ?? FaultPolicy.DefaultLimit;
        var action = FaultPolicy.Default.OnQuarantine;
        switch (f.String("onQuarantine"))
        {
            case null: break;
            case "drop": action = QuarantineAction.Drop; break;
            case "bypass": action = QuarantineAction.Bypass; break;
            case var other: diag.Error(f.ChildPath("onQuarantine"), $"'{other}' must be \"drop\" or \"bypass\""); break;
        }
        return new FaultPolicy(limit, action);
    }
}
