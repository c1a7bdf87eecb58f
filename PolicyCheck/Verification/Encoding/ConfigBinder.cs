using System.Text.Json;
using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// Turns an NF instance's JSON configuration into values of its model's parameters (one <see cref="Sym"/> per
/// parameter). JSON shapes by type: Bool and Int as JSON literals; Address as an address, a node name (its
/// address), or — where a set of addresses makes sense (ACL entries, ranges) — a prefix, a policy group or
/// <c>*</c>; Host as a node name; tuples as arrays; case classes as objects (missing Option fields are None; an
/// address-range Option may be a prefix or group); Set/List as arrays; Map as an array of [key, value] pairs.
/// <para>ACL normalisation (the thesis' listings mix meanings): a <c>Set[(Address, Address)]</c> parameter may be
/// given as <c>{"allow": [...]}</c> (the pairs listed may talk; the library's meaning) or <c>{"deny": [...]}</c>
/// (every pair but those), or as the plain list (allow). A rule-list firewall (<c>List</c> of a case class with
/// src, dst and accept) also takes the shorthand <c>"allow"/"deny"</c> pair lists on the instance config:
/// allow = accept those, drop the rest; deny = drop those, accept the rest.</para>
/// <para>Slices: given the slice's addresses, the pair lists of the allow/deny shorthands keep only the pairs whose both
/// sides hold a slice address. A packet of a sliced query has slice addresses as source and destination, so a pair
/// with a side outside the slice describes no traffic of the query (for the library's rule-list firewalls such a rule
/// compiles to false and vanishes anyway); dropping it early keeps a 10 000-entry ACL from being compiled per query.
/// The parsed pair lists are cached per network and NF, so a query pays only for the pairs of its own groups.</para>
/// </summary>
internal sealed class ConfigBinder(NetworkDescription network, string where, SliceAddresses? slice = null)
{
    public IReadOnlyList<Sym> Bind(IReadOnlyList<ConfigParam> parameters, JsonElement config)
    {
        var known = parameters.Select(p => p.Name).Append("allow").Append("deny").ToHashSet(StringComparer.Ordinal);
        if (config.ValueKind == JsonValueKind.Object)
            foreach (var prop in config.EnumerateObject())
                if (!known.Contains(prop.Name))
                    throw Error($"config.{prop.Name}", $"unknown configuration key; the model takes: {string.Join(", ", parameters.Select(p => $"{p.Name}: {p.Type}"))}");
        bool hasAllow = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("allow", out _);
        bool hasDeny = config.ValueKind == JsonValueKind.Object && config.TryGetProperty("deny", out _);
        if (hasAllow && hasDeny) throw Error("config", "give either \"allow\" or \"deny\", not both");
        var values = new List<Sym>();
        bool usedShorthand = false;
        foreach (var p in parameters)
        {
            if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty(p.Name, out var v))
            {
                values.Add(Value(v, p.Type, $"config.{p.Name}"));
                continue;
            }
            if ((hasAllow || hasDeny) && !usedShorthand && IsPairAcl(p.Type))
            {
                usedShorthand = true;
                values.Add(PairAcl(config.GetProperty(hasAllow ? "allow" : "deny"), !hasAllow, $"config.{(hasAllow ? "allow" : "deny")}"));
                continue;
            }
            if ((hasAllow || hasDeny) && !usedShorthand && IsRuleList(p.Type, out var record))
            {
                usedShorthand = true;
                values.Add(RuleList(config.GetProperty(hasAllow ? "allow" : "deny"), record, !hasAllow, $"config.{(hasAllow ? "allow" : "deny")}"));
                continue;
            }
            values.Add(Default(p));
        }
        if ((hasAllow || hasDeny) && !usedShorthand)
            throw Error("config", "\"allow\"/\"deny\" need a model with an ACL parameter (Set[(Address, Address)] or a rule list)");
        return values;
    }

    private Sym Default(ConfigParam p) => p.Type switch
    {
        SetType or ListType or MapType => new CollectionSym([]),
        OptionType => new OptionSym(False, new TermSym(False)),
        PrimitiveType { Kind: PrimitiveKind.Bool } => new TermSym(False),
        _ => throw Error($"config.{p.Name}", $"required configuration '{p.Name}: {p.Type}' is missing"),
    };

    private static bool IsPairAcl(VmnType t) =>
        t is SetType { Element: TupleType { Elements: [PrimitiveType { Kind: PrimitiveKind.Address }, PrimitiveType { Kind: PrimitiveKind.Address }] } };

    private static bool IsRuleList(VmnType t, out RecordType record)
    {
        record = null!;
        if (t is not ListType { Element: RecordType r }) return false;
        record = r;
        return r.Fields.Any(f => f.Name == "src") && r.Fields.Any(f => f.Name == "dst") && r.Fields.Any(f => f.Name == "accept" && f.Type.Equals(VmnType.Bool));
    }

    private CollectionSym PairAcl(JsonElement list, bool deny, string path)
    {
        var pairs = SlicePairs(list, path).Select(x => (Sym)new TupleSym([x.From, x.To])).ToList();
        return new CollectionSym(pairs, Complement: deny);
    }

    // The configured pairs, only those with both sides in the slice when there is one (file order kept).
    private IEnumerable<(AddressSym From, AddressSym To)> SlicePairs(JsonElement list, string path)
    {
        var table = PairTable.For(network, $"{where}.{path}", () => Pairs(list, path));
        return slice is null ? table.Pairs : table.Relevant(slice);
    }

    // allow: accept the listed pairs, drop the rest. deny: drop the listed pairs, accept the rest.
    private CollectionSym RuleList(JsonElement list, RecordType record, bool deny, string path)
    {
        var rules = new List<Sym>();
        foreach (var (from, to) in SlicePairs(list, path))
            foreach (var f in Ranges(from))
            foreach (var t in Ranges(to))
                rules.Add(Rule(record, f, t, accept: !deny));
        if (deny) rules.Add(Rule(record, null, null, accept: true));
        return new CollectionSym(rules);
    }

    private static IEnumerable<(ulong, ulong)?> Ranges(AddressSym a) =>
        a.Ranges.Count == 1 && a.Ranges[0] == (0UL, 1UL << 32) ? [null] : a.Ranges.Select(r => ((ulong, ulong)?)r);

    private static TupleSym Rule(RecordType record, (ulong Lo, ulong Hi)? src, (ulong Lo, ulong Hi)? dst, bool accept)
    {
        Sym Range((ulong Lo, ulong Hi)? r) => r is { } x
            ? new OptionSym(True, new TupleSym([new AddressSym([(x.Lo, x.Lo + 1)], "lo"), new AddressSym([(x.Hi, x.Hi + 1)], "hi")]))
            : new OptionSym(False, new TupleSym([new AddressSym([(0, 1)], "0"), new AddressSym([(0, 1)], "0")]));
        var items = record.Fields.Select(f => f.Name switch
        {
            "src" => Range(src),
            "dst" => Range(dst),
            "accept" => new TermSym(accept),
            _ => None(f.Type),
        }).ToList();
        return new TupleSym(items);
    }

    private static Sym None(VmnType t) => new OptionSym(False, Placeholder(t is OptionType o ? o.Element : t));

    private static Sym Placeholder(VmnType t) => t switch
    {
        TupleType tt => new TupleSym(tt.Elements.Select(Placeholder).ToList()),
        PrimitiveType { Kind: PrimitiveKind.Address } => new AddressSym([(0, 1)], "0"),
        PrimitiveType { Kind: PrimitiveKind.Bool } => new TermSym(False),
        _ => new TermSym(Int(0)),
    };

    private List<(AddressSym From, AddressSym To)> Pairs(JsonElement list, string path)
    {
        if (list.ValueKind != JsonValueKind.Array) throw Error(path, "expected a list of [from, to] pairs");
        var result = new List<(AddressSym, AddressSym)>();
        int i = 0;
        foreach (var pair in list.EnumerateArray())
        {
            var items = pair.ValueKind == JsonValueKind.Array ? pair.EnumerateArray().ToList() : [];
            if (items.Count != 2) throw Error($"{path}[{i}]", "expected a pair [from, to] of groups, nodes, prefixes or addresses");
            result.Add((Addresses(items[0], $"{path}[{i}][0]"), Addresses(items[1], $"{path}[{i}][1]")));
            i++;
        }
        return result;
    }

    public Sym Value(JsonElement v, VmnType type, string path)
    {
        switch (type)
        {
            case PrimitiveType { Kind: PrimitiveKind.Bool }:
                if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return new TermSym(v.GetBoolean());
                throw Error(path, "expected true or false");
            case PrimitiveType { Kind: PrimitiveKind.Int }:
                if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)) return new TermSym(Int(n));
                throw Error(path, "expected an integer");
            case PrimitiveType { Kind: PrimitiveKind.Address }:
                return Addresses(v, path);
            case PrimitiveType { Kind: PrimitiveKind.Host }:
                if (v.ValueKind == JsonValueKind.String && network.TryGetNode(v.GetString()!, out var node) && node.IsEndpoint) return new HostSym(node.Name);
                throw Error(path, "expected the name of a host or NF");
            case TupleType t:
            {
                if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() != t.Elements.Count)
                    throw Error(path, $"expected an array of {t.Elements.Count} ({t})");
                return new TupleSym(v.EnumerateArray().Select((x, i) => Value(x, t.Elements[i], $"{path}[{i}]")).ToList());
            }
            case RecordType r:
            {
                if (v.ValueKind != JsonValueKind.Object) throw Error(path, $"expected an object with fields {string.Join(", ", r.Fields.Select(f => f.Name))}");
                foreach (var prop in v.EnumerateObject())
                    if (r.Fields.All(f => f.Name != prop.Name)) throw Error($"{path}.{prop.Name}", $"{r.Name} has no field '{prop.Name}'");
                return new TupleSym(r.Fields.Select(f => v.TryGetProperty(f.Name, out var fv) && fv.ValueKind != JsonValueKind.Null
                    ? Value(fv, f.Type, $"{path}.{f.Name}")
                    : f.Type is OptionType ? None(f.Type) : throw Error($"{path}.{f.Name}", $"required field '{f.Name}: {f.Type}' is missing")).ToList());
            }
            case OptionType o:
                if (v.ValueKind == JsonValueKind.Null) return None(o);
                if (o.Element is TupleType { Elements: [PrimitiveType { Kind: PrimitiveKind.Address }, PrimitiveType { Kind: PrimitiveKind.Address }] }
                    && v.ValueKind == JsonValueKind.String)
                {
                    var set = Addresses(v, path);
                    if (set.Ranges.Count != 1) throw Error(path, $"'{set.Text}' is not one address range");
                    var (lo, hi) = set.Ranges[0];
                    return new OptionSym(True, new TupleSym([new AddressSym([(lo, lo + 1)], set.Text), new AddressSym([(hi, hi + 1)], set.Text)]));
                }
                return new OptionSym(True, Value(v, o.Element, path));
            case SetType s:
                if (v.ValueKind == JsonValueKind.Object && IsPairAcl(type))
                {
                    bool allow = v.TryGetProperty("allow", out var a);
                    bool deny = v.TryGetProperty("deny", out var d);
                    if (allow == deny) throw Error(path, "give {\"allow\": [...]} or {\"deny\": [...]}");
                    return PairAcl(allow ? a : d, deny, $"{path}.{(allow ? "allow" : "deny")}");
                }
                return Collection(v, s.Element, path);
            case ListType l:
                return Collection(v, l.Element, path);
            case MapType m:
                return Collection(v, new TupleType([m.Key, m.Value]), path);
            default:
                throw Error(path, $"configuration of type {type} is not supported");
        }
    }

    private CollectionSym Collection(JsonElement v, VmnType element, string path)
    {
        if (v.ValueKind != JsonValueKind.Array) throw Error(path, "expected an array");
        return new CollectionSym(v.EnumerateArray().Select((x, i) => Value(x, element, $"{path}[{i}]")).ToList());
    }

    /// <summary>An address, node, prefix, policy group or <c>*</c> as address ranges.</summary>
    public AddressSym Addresses(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.String) throw Error(path, "expected an address, node, prefix, policy group or \"*\"");
        var text = v.GetString()!;
        if (text == "*") return new AddressSym([(0, 1UL << 32)], text);
        if (network.Group(text) is { } g) return new AddressSym(g.Prefixes.Select(p => ((ulong)p.Network.Value, p.Network.Value + p.Size)).ToList(), text);
        if (network.TryGetNode(text, out var node))
        {
            if (node.Addresses.Count == 0) throw Error(path, $"'{text}' has no addresses");
            return new AddressSym(node.Addresses.Select(a => ((ulong)a.Value, a.Value + 1UL)).ToList(), text);
        }
        if (text.Contains('/'))
        {
            if (Ipv4Prefix.Problem(text, out var prefix) is { } problem) throw Error(path, problem);
            return new AddressSym([(prefix.Network.Value, prefix.Network.Value + prefix.Size)], text);
        }
        if (Ipv4Address.TryParse(text, out var address)) return new AddressSym([(address.Value, address.Value + 1UL)], text);
        throw Error(path, $"'{text}' is not an address, node, prefix, policy group or \"*\"");
    }

    private EncodingException Error(string path, string message) => new($"{where}.{path}: {message}");
}
