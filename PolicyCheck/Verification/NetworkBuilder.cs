using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Builds a network description in code (for the host's activation gate): policy groups, hosts, NF instances by model
/// name with their configuration, routers, routes (or whole chains as paths), failures and invariants. <see cref="Build"/>
/// goes through the same validation as a file (<see cref="NetworkLoader"/>), so errors name the JSON path of the
/// generated description (<see cref="ToJson"/> shows it).
/// </summary>
public sealed class NetworkBuilder
{
    private readonly JsonObject _groups = [];
    private readonly JsonArray _hosts = [];
    private readonly JsonArray _nfs = [];
    private readonly JsonArray _routers = [];
    private readonly Dictionary<string, JsonArray> _routes = new(StringComparer.Ordinal);
    private readonly List<string> _routeOrder = [];
    private readonly JsonArray _invariants = [];
    private JsonObject? _failures;
    private JsonObject? _options;

    public NetworkBuilder Group(string name, params string[] prefixes)
    {
        _groups[name] = new JsonObject { ["prefixes"] = new JsonArray(prefixes.Select(p => (JsonNode)p).ToArray()) };
        return this;
    }

    /// <summary>An end host (or a range such as <c>web{1..50}</c>); no address: the next free one of the group's prefix.</summary>
    public NetworkBuilder Host(string name, string group, string? address = null)
    {
        var h = new JsonObject { ["name"] = name, ["group"] = group };
        if (address is not null) h["address"] = address;
        _hosts.Add(h);
        return this;
    }

    /// <summary>An NF instance running model <paramref name="model"/> (a library name or one added to the catalog) with
    /// <paramref name="config"/> (any JSON-serialisable object, e.g. an anonymous object or a JsonElement).</summary>
    public NetworkBuilder Function(string name, string model, object? config = null, params string[] addresses)
    {
        var nf = new JsonObject { ["name"] = name, ["model"] = model };
        if (config is not null) nf["config"] = config is JsonNode node ? node.DeepClone() : JsonSerializer.SerializeToNode(config);
        if (addresses.Length > 0) nf["addresses"] = new JsonArray(addresses.Select(a => (JsonNode)a).ToArray());
        _nfs.Add(nf);
        return this;
    }

    public NetworkBuilder Router(string name)
    {
        _routers.Add(name);
        return this;
    }

    /// <summary>A routing rule of <paramref name="node"/>, after its earlier ones (first applicable wins).</summary>
    public NetworkBuilder Route(string node, string dst, string nextHop, IReadOnlyList<string>? whenDown = null, IReadOnlyList<string>? whenUp = null)
    {
        if (!_routes.TryGetValue(node, out var list))
        {
            _routes[node] = list = [];
            _routeOrder.Add(node);
        }
        var r = new JsonObject { ["dst"] = dst, ["nextHop"] = nextHop };
        if (whenDown is { Count: > 0 }) r["whenDown"] = new JsonArray(whenDown.Select(n => (JsonNode)n).ToArray());
        if (whenUp is { Count: > 0 }) r["whenUp"] = new JsonArray(whenUp.Select(n => (JsonNode)n).ToArray());
        list.Add(r);
        return this;
    }

    /// <summary>A chain as a path: packets from <paramref name="from"/> to <paramref name="to"/> (a node, group or prefix)
    /// pass <paramref name="functions"/> in order. Adds one rule per hop for destination <paramref name="to"/>.</summary>
    public NetworkBuilder Chain(string from, IReadOnlyList<string> functions, string to, string? deliverTo = null)
    {
        var hops = new List<string> { from };
        hops.AddRange(functions);
        for (int i = 0; i < hops.Count; i++)
            Route(hops[i], to, i + 1 < hops.Count ? hops[i + 1] : deliverTo ?? to);
        return this;
    }

    public NetworkBuilder Failures(int maxFailures, params string[] nodes)
    {
        _failures = new JsonObject { ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)n).ToArray()), ["maxFailures"] = maxFailures };
        return this;
    }

    /// <summary>An invariant (<see cref="InvariantKinds"/>); <paramref name="through"/> for traversal.</summary>
    public NetworkBuilder Invariant(string name, string kind, string from, string to, IReadOnlyList<string>? through = null,
        bool underFailures = true, string? expect = null, IReadOnlyList<IReadOnlyList<string>>? stages = null)
    {
        var inv = new JsonObject { ["name"] = name, ["kind"] = kind, ["from"] = from, ["to"] = to };
        if (through is not null) inv["through"] = new JsonArray(through.Select(n => (JsonNode)n).ToArray());
        if (stages is not null)
            inv["stages"] = new JsonArray(stages.Select(s => s.Count == 1 ? (JsonNode)s[0] : new JsonArray(s.Select(n => (JsonNode)n).ToArray())).ToArray());
        if (!underFailures) inv["underFailures"] = false;
        if (expect is not null) inv["expect"] = expect;
        _invariants.Add(inv);
        return this;
    }

    public NetworkBuilder Options(bool slicing = true, bool symmetry = true, int timeoutMs = 30_000, string solver = "z3")
    {
        _options = new JsonObject { ["slicing"] = slicing, ["symmetry"] = symmetry, ["timeoutMs"] = timeoutMs, ["solver"] = solver };
        return this;
    }

    /// <summary>The description as a network file.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["policyGroups"] = _groups.DeepClone(),
            ["hosts"] = _hosts.DeepClone(),
            ["nfs"] = _nfs.DeepClone(),
            ["routers"] = _routers.DeepClone(),
            ["routing"] = new JsonObject(_routeOrder.Select(n => KeyValuePair.Create(n, (JsonNode?)_routes[n].DeepClone()))),
            ["invariants"] = _invariants.DeepClone(),
        };
        if (_failures is not null) root["failures"] = _failures.DeepClone();
        if (_options is not null) root["options"] = _options.DeepClone();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Validates the description like a file (errors with JSON paths; forwarding loops are errors).</summary>
    public NetworkLoadResult Build(string sourceName = "generated network") => NetworkLoader.Parse(ToJson(), sourceName);
}
