using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// The sorts and shared symbols of one query (4.5.1): finite enumerations <c>Node</c> (the slice's endpoints) and
/// <c>Address</c> (their addresses), a <c>Packet</c> record (src, dst, ports, proto, origin, body, seq), a <c>Flow</c>
/// record, tuple records on demand, and <c>addr.value</c> (an address as a number, for ranges). Also the
/// structural operations on <see cref="Sym"/> values the model compiler needs (equality, order, conversion to terms).
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, DatatypeDecl> _tuples = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<ulong, Ipv4Address> _addresses = new();

    public Vocabulary(SmtScript script, IEnumerable<string> nodes, IEnumerable<Ipv4Address> addresses)
    {
        Script = script;
        var nodeList = nodes.ToList();
        var addressList = addresses.Distinct().Order().ToList();
        if (addressList.Count == 0) throw new EncodingException("the network (slice) has no addresses");
        foreach (var n in nodeList) _nodes.Add(n);
        foreach (var a in addressList) _addresses[a.Value] = a;
        NodeSort = script.DeclareEnumeration("Node", nodeList.Select(NodeValueName));
        AddressSort = script.DeclareEnumeration("Address", addressList.Select(AddressValueName));
        Packet = DatatypeDecl.Record("Packet", "packet",
            new FieldDecl("src", AddressSort.Sort), new FieldDecl("dst", AddressSort.Sort),
            new FieldDecl("src_port", Sort.Int), new FieldDecl("dst_port", Sort.Int), new FieldDecl("proto", Sort.Int),
            new FieldDecl("origin", NodeSort.Sort), new FieldDecl("body", Sort.Int), new FieldDecl("seq", Sort.Int));
        Flow = DatatypeDecl.Record("Flow", "flow",
            new FieldDecl("flow.src", AddressSort.Sort), new FieldDecl("flow.dst", AddressSort.Sort),
            new FieldDecl("flow.src_port", Sort.Int), new FieldDecl("flow.dst_port", Sort.Int), new FieldDecl("flow.proto", Sort.Int));
        script.DeclareDatatypes(Packet, Flow);
        AddressValue = script.DeclareFun("addr.value", [AddressSort.Sort], Sort.Int);
        foreach (var a in addressList)
            script.Assert(Eq(AddressValue.Apply(Address(a)), Int(a.Value)));
    }

    public SmtScript Script { get; }
    public DatatypeDecl NodeSort { get; }
    public DatatypeDecl AddressSort { get; }
    public DatatypeDecl Packet { get; }
    public DatatypeDecl Flow { get; }
    public FunDecl AddressValue { get; }
    public IEnumerable<Ipv4Address> Addresses => _addresses.Values;

    public static readonly string[] PacketFieldNames = ["src", "dst", "src_port", "dst_port", "proto", "origin", "body", "seq"];

    public static string NodeValueName(string name) => "n." + name;
    public static string AddressValueName(Ipv4Address a) => "a." + a;

    public bool HasNode(string name) => _nodes.Contains(name);
    public bool HasAddress(ulong value) => _addresses.ContainsKey(value);

    public Term Node(string name) =>
        _nodes.Contains(name) ? NodeSort.Value(NodeValueName(name)) : throw new EncodingException($"node '{name}' is not in the slice");

    public Term Address(Ipv4Address a) => AddressSort.Value(AddressValueName(a));

    public Term Field(Term packet, PacketField f) => Packet.Field(PacketFields.NameOf(f), packet);

    public Term PacketOf(IReadOnlyList<Term> fields) => Packet.Constructor("packet").Apply([.. fields]);

    // ---- sorts ----------------------------------------------------------------------------------------

    public Sort SortOf(VmnType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.Bool } => Sort.Bool,
        PrimitiveType { Kind: PrimitiveKind.Int } => Sort.Int,
        PrimitiveType { Kind: PrimitiveKind.Address } => AddressSort.Sort,
        PrimitiveType { Kind: PrimitiveKind.Host } => NodeSort.Sort,
        PrimitiveType { Kind: PrimitiveKind.Flow } => Flow.Sort,
        PrimitiveType { Kind: PrimitiveKind.Packet } => Packet.Sort,
        TupleType t => Tuple(t).Sort,
        RecordType r => Tuple(new TupleType(r.Fields.Select(f => f.Type).ToList())).Sort,
        _ => throw new EncodingException($"values of type {type} cannot be held in state or passed to oracles"),
    };

    /// <summary>The record datatype for a tuple type, declared on first use.</summary>
    public DatatypeDecl Tuple(TupleType t)
    {
        var sorts = t.Elements.Select(SortOf).ToList();
        var name = "Tuple." + string.Join(".", sorts.Select(s => s.Name));
        if (_tuples.TryGetValue(name, out var d)) return d;
        d = DatatypeDecl.Record(name, "mk." + name, sorts.Select((s, i) => new FieldDecl($"{name}._{i + 1}", s)).ToArray());
        Script.DeclareDatatypes(d);
        _tuples[name] = d;
        return d;
    }

    // ---- flows ----------------------------------------------------------------------------------------

    public Term FlowOf(Term src, Term dst, Term srcPort, Term dstPort, Term proto) =>
        Flow.Constructor("flow").Apply(src, dst, srcPort, dstPort, proto);

    private Term FlowField(Term flow, int i) => Flow.Field(Flow.Constructors[0].Fields[i].Name, flow);

    /// <summary>The direction-free form of a flow: the endpoint with the smaller (address, port) first, so both
    /// directions of a connection are one key (flow(p) is the same for a request and its reply).</summary>
    public Term Canonical(Term flow)
    {
        Term s, d, sp, dp, pr;
        if (flow is AppTerm { Function: "flow", Args.Count: 5 } app) (s, d, sp, dp, pr) = (app.Args[0], app.Args[1], app.Args[2], app.Args[3], app.Args[4]);
        else (s, d, sp, dp, pr) = (FlowField(flow, 0), FlowField(flow, 1), FlowField(flow, 2), FlowField(flow, 3), FlowField(flow, 4));
        var vs = AddressValue.Apply(s);
        var vd = AddressValue.Apply(d);
        var forward = Or(Lt(vs, vd), And(Eq(vs, vd), Le(sp, dp)));
        return Ite(forward, FlowOf(s, d, sp, dp, pr), FlowOf(d, s, dp, sp, pr));
    }

    /// <summary>A state key or compared value in canonical form (flows inside tuples too).</summary>
    public Term CanonicalOf(Term term, VmnType type) => type switch
    {
        PrimitiveType { Kind: PrimitiveKind.Flow } => Canonical(term),
        TupleType t when t.Elements.Any(ContainsFlow) => CanonicalTuple(term, t),
        _ => term,
    };

    private static bool ContainsFlow(VmnType t) => t is PrimitiveType { Kind: PrimitiveKind.Flow } || (t is TupleType tt && tt.Elements.Any(ContainsFlow));

    private Term CanonicalTuple(Term term, TupleType t)
    {
        var d = Tuple(t);
        var fields = d.Constructors[0].Fields;
        var items = term is AppTerm app && app.Function == d.Constructors[0].Name
            ? app.Args
            : fields.Select(f => d.Field(f.Name, term)).ToList();
        return d.Constructors[0].Apply(items.Select((x, i) => CanonicalOf(x, t.Elements[i])).ToArray());
    }

    // ---- values ---------------------------------------------------------------------------------------

    /// <summary>The SMT term for a value of <paramref name="type"/>.</summary>
    public Term ToTerm(Sym value, VmnType type)
    {
        switch (value)
        {
            case TermSym t: return t.Term;
            case AddressSym a:
                if (!a.IsSingle) throw new EncodingException($"'{a.Text}' stands for several addresses where one address is needed");
                if (!HasAddress(a.Value)) throw new EncodingException($"address {new Ipv4Address((uint)a.Value)} ('{a.Text}') belongs to no node in the slice");
                return Address(new Ipv4Address((uint)a.Value));
            case HostSym h: return Node(h.Name);
            case OptionSym o: return ToTerm(o.Value, type is OptionType ot ? ot.Element : type);
            case TupleSym tuple:
            {
                var elements = type switch
                {
                    TupleType tt => tt.Elements,
                    RecordType r => r.Fields.Select(f => f.Type).ToList(),
                    _ => throw new EncodingException($"a tuple is not a {type}"),
                };
                var d = Tuple(new TupleType(elements));
                return d.Constructors[0].Apply(tuple.Items.Select((x, i) => ToTerm(x, elements[i])).ToArray());
            }
            default: throw new EncodingException($"a configuration {type} cannot be used as a value here");
        }
    }

    /// <summary>Structural equality of two values of <paramref name="type"/> (flows compare direction-free; an
    /// Option compared with a plain value compares its value; an address set "equals" an address it contains).</summary>
    public Term Equal(Sym a, Sym b, VmnType type)
    {
        if (a is OptionSym oa && b is OptionSym ob)
            return Or(And(Not(oa.Defined), Not(ob.Defined)), And(oa.Defined, ob.Defined, Equal(oa.Value, ob.Value, Inner(type))));
        if (a is OptionSym o1) return Equal(o1.Value, b, Inner(type));
        if (b is OptionSym o2) return Equal(a, o2.Value, Inner(type));
        if (a is AddressSym && b is not AddressSym) (a, b) = (b, a);
        switch (a, b)
        {
            case (AddressSym x, AddressSym y):
                return x.IsSingle && y.IsSingle ? (x.Value == y.Value) : x.Ranges.Any(r => y.Ranges.Any(s => r.Lo < s.Hi && s.Lo < r.Hi));
            case (TermSym t, AddressSym s): return InAddressSet(t.Term, s);
            case (OrdinalSym x, _): return Eq(x.Value, Ordinal(b, type));
            case (_, OrdinalSym y): return Eq(Ordinal(a, type), y.Value);
            case (HostSym x, HostSym y): return x.Name == y.Name;
            case (TermSym t, HostSym h): return HasNode(h.Name) ? Eq(t.Term, Node(h.Name)) : False;
            case (HostSym h, TermSym t): return HasNode(h.Name) ? Eq(t.Term, Node(h.Name)) : False;
            case (TupleSym x, TupleSym y):
                return And(x.Items.Select((item, i) => Equal(item, y.Items[i], ElementType(type, i))).ToList());
            case (TupleSym x, TermSym y):
                return And(x.Items.Select((item, i) => Equal(item, new TermSym(TupleField(y.Term, type, i)), ElementType(type, i))).ToList());
            case (TermSym x, TupleSym y):
                return Equal(y, x, type);
            case (TermSym x, TermSym y):
                return type is PrimitiveType { Kind: PrimitiveKind.Flow } ? Eq(Canonical(x.Term), Canonical(y.Term)) : Eq(CanonicalOf(x.Term, type), CanonicalOf(y.Term, type));
            default:
                throw new EncodingException($"cannot compare {a} with {b}");
        }
    }

    private static VmnType Inner(VmnType t) => t is OptionType o ? o.Element : t;

    private static VmnType ElementType(VmnType type, int i) => type switch
    {
        TupleType t => t.Elements[i],
        RecordType r => r.Fields[i].Type,
        OptionType o => ElementType(o.Element, i),
        _ => throw new EncodingException($"{type} has no element {i + 1}"),
    };

    public Term TupleField(Term tuple, VmnType type, int i)
    {
        var elements = type switch
        {
            TupleType t => t.Elements,
            RecordType r => r.Fields.Select(f => f.Type).ToList(),
            _ => throw new EncodingException($"{type} is not a tuple"),
        };
        var d = Tuple(new TupleType(elements));
        if (tuple is AppTerm app && app.Function == d.Constructors[0].Name) return app.Args[i];
        return d.Field(d.Constructors[0].Fields[i].Name, tuple);
    }

    /// <summary>An address term is in a configured address set (a range test on its number).</summary>
    public Term InAddressSet(Term address, AddressSym set)
    {
        var members = _addresses.Keys.Where(set.Contains).ToList();
        if (members.Count == 0) return False;
        if (members.Count == _addresses.Count) return True;
        if (members.Count <= 4) return Or(members.Select(m => Eq(address, Address(_addresses[m]))).ToList());
        var v = AddressValue.Apply(address);
        return Or(set.Ranges.Select(r => And(Le(Int(r.Lo), v), Lt(v, Int(r.Hi)))).ToList());
    }

    /// <summary><c>address op bound</c> (or <c>bound op address</c>) with a single configured bound, as membership in
    /// the slice's addresses that satisfy it; null when the operands are not of that shape or the set is large.</summary>
    public Term? CompareWithBound(Sym left, Sym right, BinaryOp op)
    {
        static AddressSym? Bound(Sym s) => s switch { AddressSym { IsSingle: true } a => a, OptionSym o => Bound(o.Value), _ => null };
        static Term? AddressTerm(Sym s) => s switch { TermSym t => t.Term, OptionSym o => AddressTerm(o.Value), _ => null };
        Term? term;
        AddressSym? bound;
        bool termOnLeft;
        if ((term = AddressTerm(left)) is not null && (bound = Bound(right)) is not null) termOnLeft = true;
        else if ((term = AddressTerm(right)) is not null && (bound = Bound(left)) is not null) termOnLeft = false;
        else return null;
        ulong c = bound.Value;
        bool Holds(ulong a) => (op, termOnLeft) switch
        {
            (BinaryOp.Less, true) => a < c, (BinaryOp.Less, false) => c < a,
            (BinaryOp.LessEq, true) => a <= c, (BinaryOp.LessEq, false) => c <= a,
            (BinaryOp.Greater, true) => a > c, (BinaryOp.Greater, false) => c > a,
            (BinaryOp.GreaterEq, true) => a >= c, _ => c >= a,
        };
        var members = _addresses.Keys.Where(Holds).ToList();
        if (members.Count == 0) return False;
        if (members.Count == _addresses.Count) return True;
        if (members.Count > 4 && _addresses.Count - members.Count > 4) return null;
        return members.Count <= _addresses.Count - members.Count
            ? Or(members.Select(m => Eq(term, Address(_addresses[m]))).ToList())
            : And(_addresses.Keys.Where(a => !Holds(a)).Select(m => Not(Eq(term, Address(_addresses[m])))).ToList());
    }

    /// <summary>A number for an ordered comparison: Int terms as they are, addresses by <c>addr.value</c>.</summary>
    public Term Ordinal(Sym value, VmnType type) => value switch
    {
        AddressSym a when a.IsSingle => Int(a.Value),
        AddressSym a => throw new EncodingException($"'{a.Text}' stands for several addresses and cannot be ordered"),
        OptionSym o => Ordinal(o.Value, type),
        OrdinalSym o => o.Value,
        TermSym t when type.Equals(VmnType.Address) => AddressValue.Apply(t.Term),
        TermSym t => t.Term,
        _ => throw new EncodingException($"{value} cannot be ordered"),
    };

    /// <summary>If-then-else on values of the same shape.</summary>
    public Sym Merge(Term condition, Sym then, Sym otherwise, VmnType type)
    {
        if (ReferenceEquals(condition, True)) return then;
        if (ReferenceEquals(condition, False)) return otherwise;
        switch (then, otherwise)
        {
            case (OptionSym a, OptionSym b):
                return new OptionSym(Ite(condition, a.Defined, b.Defined), Merge(condition, a.Value, b.Value, Inner(type)));
            case (TupleSym a, TupleSym b):
                return new TupleSym(a.Items.Select((x, i) => Merge(condition, x, b.Items[i], ElementType(type, i))).ToList());
            case (AddressSym a, AddressSym b) when a.IsSingle && b.IsSingle && a.Value == b.Value:
                return a;
            case (AddressSym a, AddressSym b) when !HasAddressBoth(a, b):
                // Range bounds outside every node: keep them as numbers (only ordered comparisons use them).
                return new OrdinalSym(Ite(condition, Ordinal(a, type), Ordinal(b, type)));
            case (OrdinalSym, _) or (_, OrdinalSym):
                return new OrdinalSym(Ite(condition, Ordinal(then, type), Ordinal(otherwise, type)));
            default:
                return new TermSym(Ite(condition, ToTerm(then, type), ToTerm(otherwise, type)));
        }
    }

    private bool HasAddressBoth(AddressSym a, AddressSym b) => a.IsSingle && b.IsSingle && HasAddress(a.Value) && HasAddress(b.Value);
}

/// <summary>An address known only by its number (a merged range bound); usable in ordered comparisons only.</summary>
internal sealed record OrdinalSym(Term Value) : Sym;
