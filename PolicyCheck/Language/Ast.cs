namespace Switchboard.PolicyCheck.Language;

// The checked model AST, the input of the SMT encoder. Normal form (the checker guarantees it):
// - Every expression in a rule is evaluated on the packet AS RECEIVED, the state AS IT WAS BEFORE
//   the packet arrived, the configuration and the oracles. Locals (model-level `val`s and rule-level
//   assignments) are inlined; header writes `p.f = e` are folded into the forwarded packet
//   (PacketExpr.Overrides), and a later read of p.f or flow(p) in the same rule sees the written
//   value by substitution. So a rule needs no sequencing to encode.
// - Rules are ordered, first match wins: rule i fires iff its guard holds and no earlier guard does.
//   The default rule "_ =>" has Guard == null and, if present, is last.
// - Actions are the rule's state updates; they apply after the rule, in order (a later put to the
//   same map key wins). Reading a state variable after updating it in the same rule is rejected.

/// <summary>The packet being processed, possibly with rewritten header fields.
/// No overrides: the packet as received. Type: Packet.</summary>
internal sealed record PacketExpr(IReadOnlyList<FieldOverride> Overrides, SourceSpan Span) : Expr(VmnType.Packet, Span)
{
    public bool IsReceived => Overrides.Count == 0;

    /// <summary>The value written to <paramref name="field"/> by this rule, or null if unchanged.</summary>
    public Expr? Override(PacketField field) => Overrides.FirstOrDefault(o => o.Field == field)?.Value;
}

internal sealed record FieldOverride(PacketField Field, Expr Value);

/// <summary>Header fields of a packet (also the members of a Flow, except Origin, Body and Seq).</summary>
internal enum PacketField
{
    /// <summary>Source address (Address).</summary>
    Src,
    /// <summary>Destination address (Address); the listings also write <c>dest</c>.</summary>
    Dst,
    /// <summary>Source port (Int).</summary>
    SrcPort,
    /// <summary>Destination port (Int).</summary>
    DstPort,
    /// <summary>IP protocol number (Int).</summary>
    Proto,
    /// <summary>The host whose data the packet carries (Host); data isolation invariants use it.</summary>
    Origin,
    /// <summary>Abstract content identifier (Int).</summary>
    Body,
    /// <summary>Sequence number (Int).</summary>
    Seq,
}

/// <summary>A checked model class.</summary>
/// <param name="PacketName">The name of the model(...) parameter, e.g. "p".</param>
internal sealed record ModelDecl(
    string Name,
    SourceSpan Span,
    IReadOnlyList<ConfigParam> Parameters,
    IReadOnlyList<OracleDecl> Oracles,
    IReadOnlyList<StateVar> State,
    string PacketName,
    IReadOnlyList<Rule> Rules)
{
    /// <summary>When rule <paramref name="index"/> fires: its guard and none of the earlier ones
    /// (first match wins). The default rule's condition is "no earlier guard holds".</summary>
    public Expr FiringCondition(int index)
    {
        var rule = Rules[index];
        Expr condition = rule.Guard ?? new BoolLit(true, rule.Span);
        for (int i = index - 1; i >= 0; i--)
            if (Rules[i].Guard is { } earlier)
                condition = new Binary(BinaryOp.And, new Not(earlier, earlier.Span), condition, rule.Span);
        return condition;
    }

    public ConfigParam? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);
    public OracleDecl? FindOracle(string name) => Oracles.FirstOrDefault(o => o.Name == name);
    public StateVar? FindState(string name) => State.FirstOrDefault(s => s.Name == name);
}

/// <summary>A configuration input, given per instance when the network is built (e.g. acls).</summary>
internal sealed record ConfigParam(string Name, VmnType Type, SourceSpan Span);

/// <summary>An oracle: an uninterpreted function the solver may choose freely.
/// Parameter names are optional in the language (<c>abstract cacheable(int): bool</c>).</summary>
internal sealed record OracleDecl(string Name, IReadOnlyList<VmnType> ParameterTypes, VmnType Result, SourceSpan Span);

/// <summary>Mutable state; <see cref="Type"/> is a <see cref="SetType"/> or a <see cref="MapType"/>, empty at start and
/// after a failure of the instance.</summary>
internal sealed record StateVar(string Name, VmnType Type, SourceSpan Span);

/// <summary>One guarded rule. <see cref="Rewrites"/> are the header writes, also present in the
/// forwarded packet's <see cref="PacketExpr.Overrides"/>.</summary>
internal sealed record Rule(int Index, Expr? Guard, IReadOnlyList<StateAction> Actions, IReadOnlyList<FieldOverride> Rewrites, Forward Forward, SourceSpan Span)
{
    public bool IsDefault => Guard is null;
}

/// <summary>The packets a rule sends: empty means drop.</summary>
internal sealed record Forward(IReadOnlyList<Expr> Packets, SourceSpan Span)
{
    public bool Drops => Packets.Count == 0;
}

// ---- state updates -----------------------------------------------------------------------------

internal abstract record StateAction(StateVar State, SourceSpan Span);
/// <summary><c>s.add(x)</c> or <c>s += x</c>.</summary>
internal sealed record SetAdd(StateVar State, Expr Element, SourceSpan Span) : StateAction(State, Span);
/// <summary><c>s.remove(x)</c> or <c>s -= x</c>.</summary>
internal sealed record SetRemove(StateVar State, Expr Element, SourceSpan Span) : StateAction(State, Span);
/// <summary><c>m[k] = v</c>, <c>m(k) = v</c> or <c>m.put(k, v)</c>.</summary>
internal sealed record MapPut(StateVar State, Expr Key, Expr Value, SourceSpan Span) : StateAction(State, Span);
/// <summary><c>m.remove(k)</c> or <c>m -= k</c>.</summary>
internal sealed record MapRemove(StateVar State, Expr Key, SourceSpan Span) : StateAction(State, Span);

// ---- expressions -------------------------------------------------------------------------------

internal abstract record Expr(VmnType Type, SourceSpan Span);

internal sealed record BoolLit(bool Value, SourceSpan Span) : Expr(VmnType.Bool, Span);
internal sealed record IntLit(long Value, SourceSpan Span) : Expr(VmnType.Int, Span);
/// <summary>Placeholder for an expression that already produced a diagnostic (never in an error-free result).</summary>
internal sealed record ErrorExpr(SourceSpan Span) : Expr(VmnType.Error, Span);

internal sealed record ParamRef(ConfigParam Param, SourceSpan Span) : Expr(Param.Type, Span);
/// <summary>A state variable; only appears as the collection of <see cref="Contains"/> or <see cref="Lookup"/>.</summary>
internal sealed record StateRef(StateVar State, SourceSpan Span) : Expr(State.Type, Span);

/// <summary>The bound variable of a findFirst predicate; identity by reference.</summary>
internal sealed class LambdaVar(string name, VmnType type)
{
    public string Name { get; } = name;
    public VmnType Type { get; } = type;
    public override string ToString() => Name;
}

internal sealed record LambdaVarRef(LambdaVar Var, SourceSpan Span) : Expr(Var.Type, Span);

/// <summary>A header field of the received packet (a rewritten field is substituted instead).</summary>
internal sealed record FieldRead(PacketField Field, SourceSpan Span) : Expr(PacketFields.TypeOf(Field), Span);

/// <summary><c>flow(p)</c>: the connection of a packet. Two flows are equal when they are the same
/// connection in either direction (src/dst and ports swapped); members give the endpoints as seen in
/// <see cref="Packet"/>.</summary>
internal sealed record FlowOf(PacketExpr Packet, SourceSpan Span) : Expr(VmnType.Flow, Span);

/// <summary><c>f.src</c>, <c>f.dst</c>, <c>f.src_port</c>, <c>f.dst_port</c>, <c>f.proto</c> of a Flow.</summary>
internal sealed record FlowField(Expr Flow, PacketField Field, SourceSpan Span) : Expr(PacketFields.TypeOf(Field), Span);

internal sealed record TupleExpr(IReadOnlyList<Expr> Items, VmnType Type, SourceSpan Span) : Expr(Type, Span);
/// <summary><c>t._1</c> is Index 0.</summary>
internal sealed record TupleGet(Expr Tuple, int Index, VmnType Type, SourceSpan Span) : Expr(Type, Span);
internal sealed record RecordGet(Expr Record, string Field, int Index, VmnType Type, SourceSpan Span) : Expr(Type, Span);

/// <summary>An Option's value. Written implicitly (<c>o.accept</c> on an Option[Rule] means the
/// defined value's field) or as <c>o.get</c>; unconstrained when the option is empty.</summary>
internal sealed record OptionGet(Expr Option, VmnType Type, SourceSpan Span) : Expr(Type, Span);
/// <summary><c>o.isDefined</c>; <c>o.isEmpty</c> is its negation.</summary>
internal sealed record OptionDefined(Expr Option, SourceSpan Span) : Expr(VmnType.Bool, Span);

internal sealed record OracleCall(OracleDecl Oracle, IReadOnlyList<Expr> Args, SourceSpan Span) : Expr(Oracle.Result, Span);

/// <summary>Membership: Set element, Map key, or List element. Collection is a state or configuration value.</summary>
internal sealed record Contains(Expr Collection, Expr Element, SourceSpan Span) : Expr(VmnType.Bool, Span);
/// <summary>Map value at Key (unconstrained if absent) or List element at an Int index.</summary>
internal sealed record Lookup(Expr Collection, Expr Key, VmnType Type, SourceSpan Span) : Expr(Type, Span);
/// <summary><c>list.findFirst(x => pred)</c>: the first element satisfying Predicate, as an Option.</summary>
internal sealed record FindFirst(Expr List, LambdaVar Var, Expr Predicate, VmnType Type, SourceSpan Span) : Expr(Type, Span);

internal sealed record Not(Expr Operand, SourceSpan Span) : Expr(VmnType.Bool, Span);

internal enum BinaryOp { And, Or, Eq, NotEq, Less, LessEq, Greater, GreaterEq }

/// <summary>Boolean connectives and comparisons; ordering compares Int or Address.</summary>
internal sealed record Binary(BinaryOp Op, Expr Left, Expr Right, SourceSpan Span) : Expr(VmnType.Bool, Span);

/// <summary><c>Seq(p, ...)</c>, <c>Empty</c> or <c>Seq.empty</c>.</summary>
internal sealed record PacketSetExpr(IReadOnlyList<PacketExpr> Packets, SourceSpan Span) : Expr(VmnType.PacketSet, Span);

// ---- pipelines ---------------------------------------------------------------------------------

/// <summary>A composition of models, e.g. a gateway: a packet goes through <see cref="Stages"/> in
/// order (each stage's forwarded packets feed the next; a drop ends it). Packets satisfying
/// <see cref="ReverseWhen"/> (an expression over the received packet and the parameters) go through
/// the stages in reverse order, so replies meet e.g. the NAT before the firewall.</summary>
internal sealed record PipelineDecl(string Name, SourceSpan Span, IReadOnlyList<ConfigParam> Parameters, IReadOnlyList<PipelineStage> Stages, Expr? ReverseWhen);

/// <summary>One stage: a model instantiated with arguments (expressions over the pipeline's parameters and literals).</summary>
internal sealed record PipelineStage(string Name, ModelDecl Model, IReadOnlyList<Expr> Args, SourceSpan Span);

/// <summary>A checked case class.</summary>
internal sealed record RecordDecl(RecordType Type, SourceSpan Span);

internal static class PacketFields
{
    public static VmnType TypeOf(PacketField field) => field switch
    {
        PacketField.Src or PacketField.Dst => VmnType.Address,
        PacketField.Origin => VmnType.Host,
        _ => VmnType.Int,
    };

    /// <summary>Header names as written after "p." (and as functions src(p) ...); dest/dest_port are the original VMN spellings.</summary>
    public static readonly IReadOnlyDictionary<string, PacketField> ByName = new Dictionary<string, PacketField>(StringComparer.Ordinal)
    {
        ["src"] = PacketField.Src, ["dst"] = PacketField.Dst, ["dest"] = PacketField.Dst,
        ["src_port"] = PacketField.SrcPort, ["dst_port"] = PacketField.DstPort, ["dest_port"] = PacketField.DstPort,
        ["proto"] = PacketField.Proto, ["origin"] = PacketField.Origin, ["body"] = PacketField.Body, ["seq"] = PacketField.Seq,
    };

    public static bool IsFlowField(PacketField f) => f is PacketField.Src or PacketField.Dst or PacketField.SrcPort or PacketField.DstPort or PacketField.Proto;

    /// <summary>Fields that make up flow(p).</summary>
    public static bool AffectsFlow(PacketField f) => IsFlowField(f);

    public static string NameOf(PacketField f) => f switch
    {
        PacketField.SrcPort => "src_port",
        PacketField.DstPort => "dst_port",
        _ => f.ToString().ToLowerInvariant(),
    };
}
