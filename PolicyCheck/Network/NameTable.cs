using Switchboard.PolicyCheck.Network.Json;

namespace Switchboard.PolicyCheck.Network;

/// <summary>Node and policy-group names while loading: syntax, uniqueness (one namespace, since invariants and
/// routes may name either), and lookups with "did you mean" hints.</summary>
internal sealed class NameTable
{
    private readonly Dictionary<string, (string Kind, string Path)> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _groups;
    private readonly Diagnostics _diag;

    public NameTable(IEnumerable<PolicyGroup> groups, Diagnostics diag)
    {
        _groups = groups.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
        _diag = diag;
    }

    public IEnumerable<string> Nodes => _nodes.Keys;

    public static bool CheckSyntax(string name, string path, string what, Diagnostics diag)
    {
        bool ok = name.Length is > 0 and <= 128 && (char.IsAsciiLetter(name[0]) || name[0] == '_')
                  && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
        if (!ok) diag.Error(path, $"{what} name '{name}' must start with a letter or '_' and contain only letters, digits, '_', '-' and '.' (at most 128)");
        return ok;
    }

    /// <summary>Registers a node; false (error recorded) when the name is bad or taken.</summary>
    public bool Add(string name, string path, string kind)
    {
        if (!CheckSyntax(name, path, kind, _diag)) return false;
        if (_groups.Contains(name))
        {
            _diag.Error(path, $"{kind} name '{name}' is also a policy group name; names of nodes and groups must differ");
            return false;
        }
        if (_nodes.TryGetValue(name, out var first))
        {
            _diag.Error(path, $"{kind} name '{name}' is already used by the {first.Kind} at {first.Path}");
            return false;
        }
        _nodes[name] = (kind, path);
        return true;
    }

    public bool IsNode(string name) => _nodes.ContainsKey(name);
    public bool IsGroup(string name) => _groups.Contains(name);
    public string? KindOf(string name) => _nodes.TryGetValue(name, out var n) ? n.Kind : null;

    /// <summary>True when <paramref name="name"/> is a node; else records an error with a hint.</summary>
    public bool CheckNode(string name, string path)
    {
        if (_nodes.ContainsKey(name)) return true;
        _diag.Error(path, $"unknown node '{name}'{NearestName.Hint(name, _nodes.Keys)}; nodes: {NetworkLoader.List(_nodes.Keys)}");
        return false;
    }

    /// <summary>True when <paramref name="name"/> is a host, NF or group (an invariant endpoint); else records an error.</summary>
    public bool CheckEndpoint(string name, string path)
    {
        if (_groups.Contains(name) || KindOf(name) is "host" or "NF") return true;
        if (KindOf(name) == "router") _diag.Error(path, $"'{name}' is a router; invariants name hosts, NFs or policy groups");
        else
        {
            var all = _nodes.Where(n => n.Value.Kind != "router").Select(n => n.Key).Concat(_groups).ToList();
            _diag.Error(path, $"unknown host, NF or policy group '{name}'{NearestName.Hint(name, all)}; defined: {NetworkLoader.List(all)}");
        }
        return false;
    }
}
