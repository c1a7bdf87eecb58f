using System.Text;
using System.Text.Json;
using Switchboard.PolicyCheck.Network.Json;

namespace Switchboard.PolicyCheck.Network;

/// <summary>
/// Loads and fully validates a network file (format in Network/README.md). Every error is reported with its
/// JSON path and line:column, so an operator fixes a file in one round; a forwarding loop in any allowed failure
/// scenario is an error naming the cycle (4.3.1).
/// </summary>
public static class NetworkLoader
{
    public static readonly string[] TopLevelKeys = ["$schema", "policyGroups", "hosts", "nfs", "routers", "routing", "failures", "invariants", "invariantSets", "options"];

    public static NetworkLoadResult Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new NetworkLoadResult(null, [new NetworkError(JsonPath.Root, $"cannot read the network file: {e.Message}", null, null) { Source = path }]);
        }
        return Parse(json, path);
    }

    public static NetworkLoadResult Parse(string json, string sourceName) => Parse(json, sourceName, reportLoops: true);

    /// <summary>Without <paramref name="reportLoops"/> a network with forwarding loops loads (tests compare the loop finder
    /// with a simulation on such networks).</summary>
    internal static NetworkLoadResult Parse(string json, string sourceName, bool reportLoops)
    {
        var syntaxErrors = new List<NetworkError>();
        if (!JsonSourceMap.TryScan(Encoding.UTF8.GetBytes(json), (path, message, line, column) => syntaxErrors.Add(new NetworkError(path, message, line, column)), out var map))
            return Result(null, syntaxErrors, sourceName);
        var diag = new Diagnostics(map);
        diag.AddRange(syntaxErrors);
        using var document = JsonDocument.Parse(json);
        var network = Validate(document.RootElement, sourceName, diag);
        if (reportLoops && network is not null && diag.Count == 0)
        {
            foreach (var loop in network.Transfer.Loops)
                diag.Error(loop.JsonPath, loop.ToString());
        }
        return Result(diag.Count == 0 ? network : null, diag.Errors, sourceName);
    }

    private static NetworkDescription? Validate(JsonElement rootElement, string source, Diagnostics diag)
    {
        var root = ObjectView.From(rootElement, JsonPath.Root, diag);
        if (root is null) return null;
        root.RejectUnknownKeys(TopLevelKeys);
        root.String("$schema");

        var groups = ParseGroups(root.Object("policyGroups", required: true), diag);
        var names = new NameTable(groups, diag);
        var hosts = ParseHosts(root, groups, names, diag);
        var (nfNodes, functions) = ParseFunctions(root, names, diag);
        var routers = ParseRouters(root, names, diag);
        var nodes = AssignAddresses(hosts, nfNodes, groups, diag).Concat(routers).ToList();
        var failures = ParseFailures(root.Object("failures"), names, diag);
        var routing = RoutingParser.Parse(root.Object("routing"), nodes, groups, names, failures, diag);
        var invariants = InvariantParser.Parse(root, names, groups, diag);
        var options = ParseOptions(root.Object("options"), diag);

        var generated = InvariantParser.ParseSets(root, groups, nodes, invariants, diag);
        if (diag.Count > 0) return null;
        return new NetworkDescription
        {
            Groups = groups, Nodes = nodes, Functions = functions, Routing = routing, Failures = failures,
            Invariants = [.. invariants, .. generated], Options = options, Source = source,
        };
    }

    private static List<PolicyGroup> ParseGroups(ObjectView? obj, Diagnostics diag)
    {
        var groups = new List<PolicyGroup>();
        if (obj is null) return groups;
        foreach (var p in obj.Properties())
        {
            var path = obj.ChildPath(p.Name);
            NameTable.CheckSyntax(p.Name, path, "policy group", diag);
            var g = ObjectView.From(p.Value, path, diag);
            if (g is null) continue;
            g.RejectUnknownKeys("prefixes", "description");
            g.String("description");
            var prefixes = new List<Ipv4Prefix>();
            var items = g.Strings("prefixes", required: true);
            if (items is { Count: 0 }) diag.Error(g.ChildPath("prefixes"), "a policy group needs at least one prefix");
            foreach (var (text, itemPath) in items ?? [])
            {
                if (Ipv4Prefix.Problem(text, out var prefix) is { } problem) diag.Error(itemPath, problem);
                else prefixes.Add(prefix);
            }
            groups.Add(new PolicyGroup(p.Name, prefixes));
        }
        return groups;
    }

    private sealed record PendingHost(string Name, string Group, Ipv4Address? Address, string Path);

    private static List<PendingHost> ParseHosts(ObjectView root, List<PolicyGroup> groups, NameTable names, Diagnostics diag)
    {
        var hosts = new List<PendingHost>();
        foreach (var (element, path) in root.Array("hosts") ?? [])
        {
            var h = ObjectView.From(element, path, diag);
            if (h is null) continue;
            h.RejectUnknownKeys("name", "group", "address");
            var expanded = ExpandNames(h, "name", diag);
            var groupName = h.String("group", required: true);
            var group = groupName is null ? null : groups.FirstOrDefault(g => g.Name == groupName);
            if (groupName is not null && group is null)
                diag.Error(h.ChildPath("group"), $"unknown policy group '{groupName}'{NearestName.Hint(groupName, groups.Select(g => g.Name))}; groups: {List(groups.Select(g => g.Name))}");
            var addresses = ExpandAddresses(h, "address", expanded?.Count ?? 0, diag);
            if (expanded is null || groupName is null) continue;
            for (int i = 0; i < expanded.Count; i++)
            {
                Ipv4Address? address = addresses?[i];
                if (address is { } a && group is not null && !group.Prefixes.Any(p => p.Contains(a)))
                    diag.Error(h.ChildPath("address"), $"{a} (host {expanded[i]}) is outside policy group '{group.Name}' ({string.Join(", ", group.Prefixes)})");
                if (names.Add(expanded[i], h.ChildPath("name"), "host"))
                    hosts.Add(new PendingHost(expanded[i], groupName, address, path));
            }
        }
        return hosts;
    }

    private static (List<NetworkNode>, List<FunctionInstance>) ParseFunctions(ObjectView root, NameTable names, Diagnostics diag)
    {
        var nodes = new List<NetworkNode>();
        var functions = new List<FunctionInstance>();
        foreach (var (element, path) in root.Array("nfs") ?? [])
        {
            var nf = ObjectView.From(element, path, diag);
            if (nf is null) continue;
            nf.RejectUnknownKeys("name", "model", "config", "addresses");
            var expanded = ExpandNames(nf, "name", diag);
            var model = nf.String("model", required: true);
            if (model is { Length: 0 }) diag.Error(nf.ChildPath("model"), "the model name is empty");
            JsonElement config = default;
            if (nf.TryGet("config", out var c))
            {
                if (c.ValueKind == JsonValueKind.Object) config = c.Clone();
                else diag.Error(nf.ChildPath("config"), $"expected an object, got {ObjectView.Describe(c)}");
            }
            else config = JsonDocument.Parse("{}").RootElement.Clone();
            var perInstance = new List<List<Ipv4Address>>();
            if (expanded is not null)
                for (int i = 0; i < expanded.Count; i++) perInstance.Add([]);
            foreach (var (text, itemPath) in nf.Strings("addresses") ?? [])
            {
                var list = ExpandAddressText(text, itemPath, expanded?.Count ?? 0, diag);
                if (list is null) continue;
                for (int i = 0; i < perInstance.Count; i++) perInstance[i].Add(list[i]);
            }
            if (expanded is null || model is null) continue;
            for (int i = 0; i < expanded.Count; i++)
            {
                if (!names.Add(expanded[i], nf.ChildPath("name"), "NF")) continue;
                nodes.Add(new NetworkNode(expanded[i], NodeKind.Function, perInstance[i], null, path));
                functions.Add(new FunctionInstance(expanded[i], model, config, path));
            }
        }
        return (nodes, functions);
    }

    private static List<NetworkNode> ParseRouters(ObjectView root, NameTable names, Diagnostics diag)
    {
        var routers = new List<NetworkNode>();
        foreach (var (text, path) in root.Strings("routers") ?? [])
        {
            var expanded = NameRange.Expand(text, out var error);
            if (expanded is null)
            {
                diag.Error(path, error!);
                continue;
            }
            foreach (var name in expanded)
                if (names.Add(name, path, "router")) routers.Add(new NetworkNode(name, NodeKind.Router, [], null, path));
        }
        return routers;
    }

    // Hosts without an address get the next free one of their group's first prefix, in file order.
    private static List<NetworkNode> AssignAddresses(List<PendingHost> hosts, List<NetworkNode> functions, List<PolicyGroup> groups, Diagnostics diag)
    {
        var owner = new Dictionary<Ipv4Address, string>();
        void Claim(Ipv4Address a, string name, string path)
        {
            if (owner.TryAdd(a, name)) return;
            diag.Error(path, $"address {a} of '{name}' is already used by '{owner[a]}'");
        }
        foreach (var h in hosts) if (h.Address is { } a) Claim(a, h.Name, JsonPath.Key(h.Path, "address"));
        foreach (var f in functions) foreach (var a in f.Addresses) Claim(a, f.Name, JsonPath.Key(f.JsonPath, "addresses"));

        var next = new Dictionary<string, ulong>();
        var nodes = new List<NetworkNode>();
        foreach (var h in hosts)
        {
            var address = h.Address;
            var group = groups.FirstOrDefault(g => g.Name == h.Group);
            if (group is null) continue; // unknown group: already an error
            if (address is null && group.Prefixes.Count > 0)
            {
                var prefix = group.Prefixes[0];
                ulong offset = next.GetValueOrDefault(h.Group, prefix.Length >= 31 ? 0UL : 1UL);
                while (offset < prefix.Size && owner.ContainsKey(new Ipv4Address(prefix.Network.Value + (uint)offset))) offset++;
                if (offset >= prefix.Size - (prefix.Length >= 31 ? 0UL : 1UL))
                {
                    diag.Error(JsonPath.Key(h.Path, "group"), $"policy group '{h.Group}' has no free address left in {prefix} for host {h.Name}; give it an address");
                    continue;
                }
                address = new Ipv4Address(prefix.Network.Value + (uint)offset);
                owner[address.Value] = h.Name;
                next[h.Group] = offset + 1;
            }
            nodes.Add(new NetworkNode(h.Name, NodeKind.Host, address is { } x ? [x] : [], h.Group, h.Path));
        }
        nodes.AddRange(functions);
        return nodes;
    }

    private static FailureModel ParseFailures(ObjectView? obj, NameTable names, Diagnostics diag)
    {
        if (obj is null) return FailureModel.None;
        obj.RejectUnknownKeys("nodes", "maxFailures");
        var nodes = new List<string>();
        foreach (var (text, path) in obj.Strings("nodes", required: true) ?? [])
        {
            var expanded = NameRange.Expand(text, out var error);
            if (expanded is null)
            {
                diag.Error(path, error!);
                continue;
            }
            foreach (var name in expanded)
            {
                if (!names.CheckNode(name, path)) continue;
                if (nodes.Contains(name)) diag.Error(path, $"'{name}' is listed twice");
                else nodes.Add(name);
            }
        }
        int max = (int)(obj.Integer("maxFailures", 0, Math.Max(0, nodes.Count)) ?? Math.Min(1, nodes.Count));
        return new FailureModel(nodes, max);
    }

    private static VerificationOptions ParseOptions(ObjectView? obj, Diagnostics diag)
    {
        var options = new VerificationOptions();
        if (obj is null) return options;
        obj.RejectUnknownKeys("slicing", "symmetry", "timeoutMs", "seed", "reseeds", "solver");
        var solver = obj.String("solver");
        if (solver is not null && !Smt.Solvers.Names.Contains(solver))
            diag.Error(obj.ChildPath("solver"), $"unknown solver '{solver}'{NearestName.Hint(solver, Smt.Solvers.Names)}; solvers: {string.Join(", ", Smt.Solvers.Names)}");
        return options with
        {
            Slicing = obj.Bool("slicing") ?? options.Slicing,
            Symmetry = obj.Bool("symmetry") ?? options.Symmetry,
            Timeout = obj.Integer("timeoutMs", 1, 86_400_000) is { } ms ? TimeSpan.FromMilliseconds(ms) : options.Timeout,
            Seed = (uint)(obj.Integer("seed", 0, uint.MaxValue) ?? options.Seed),
            Reseeds = (int)(obj.Integer("reseeds", 0, 100) ?? options.Reseeds),
            Solver = solver ?? options.Solver,
        };
    }

    private static IReadOnlyList<string>? ExpandNames(ObjectView obj, string key, Diagnostics diag)
    {
        var text = obj.String(key, required: true);
        if (text is null) return null;
        var expanded = NameRange.Expand(text, out var error);
        if (expanded is null) diag.Error(obj.ChildPath(key), error!);
        return expanded;
    }

    private static IReadOnlyList<Ipv4Address>? ExpandAddresses(ObjectView obj, string key, int count, Diagnostics diag)
    {
        var text = obj.String(key);
        return text is null ? null : ExpandAddressText(text, obj.ChildPath(key), count, diag);
    }

    /// <summary>An address (with ranges) for <paramref name="count"/> names: one address for one name, or a range of the same length.</summary>
    private static IReadOnlyList<Ipv4Address>? ExpandAddressText(string text, string path, int count, Diagnostics diag)
    {
        var expanded = NameRange.Expand(text, out var error);
        if (expanded is null)
        {
            diag.Error(path, error!);
            return null;
        }
        if (count > 0 && expanded.Count != count)
        {
            diag.Error(path, $"'{text}' gives {expanded.Count} address(es) for {count} name(s); use a range of the same length");
            return null;
        }
        var list = new List<Ipv4Address>();
        foreach (var a in expanded)
        {
            if (!Ipv4Address.TryParse(a, out var address))
            {
                diag.Error(path, $"'{a}' is not an IPv4 address");
                return null;
            }
            list.Add(address);
        }
        return list;
    }

    internal static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count == 0 ? "(none)" : all.Count <= 12 ? string.Join(", ", all) : string.Join(", ", all.Take(12)) + $", … ({all.Count} in all)";
    }

    private static NetworkLoadResult Result(NetworkDescription? network, IEnumerable<NetworkError> errors, string sourceName) =>
        new(network, errors.Select(e => e with { Source = sourceName })
                           .OrderBy(e => e.Line ?? int.MaxValue).ThenBy(e => e.Column ?? 0).ToList());
}
