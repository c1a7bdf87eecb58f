namespace Switchboard.PolicyCheck.Language;

/// <summary>The slicing-relevant properties of a model (thesis 4.3.2), with the reasons a property
/// does not hold (each "line:column: why").</summary>
/// <param name="FlowParallel">All state is keyed by flow(p) (of the packet as received or as
/// rewritten by the rule), so distinct connections never affect each other.</param>
/// <param name="OriginAgnostic">The packet's origin never influences what the model does: it may be
/// copied (into p.origin or into map values that are only copied back), never tested, used as a
/// key, or turned into another header field.</param>
internal sealed record ModelClassification(string Model, bool FlowParallel, bool OriginAgnostic, IReadOnlyList<string> Reasons)
{
    public override string ToString() =>
        $"{Model}: {(FlowParallel ? "flow-parallel" : "not flow-parallel")}, {(OriginAgnostic ? "origin-agnostic" : "not origin-agnostic")}";
}

/// <summary>Syntactic and data-flow analyses over the checked AST. Oracles are assumed to classify
/// packets by content and headers, not by origin (the thesis' IDS/cache oracles do).</summary>
internal static class ModelAnalysis
{
    public static ModelClassification Classify(ModelDecl model)
    {
        var reasons = new List<string>();
        bool flowParallel = CheckFlowParallel(model, reasons);
        bool originAgnostic = CheckOriginAgnostic(model, reasons);
        // Inlined locals repeat an expression; report each place once.
        return new ModelClassification(model.Name, flowParallel, originAgnostic, reasons.Distinct().ToList());
    }

    /// <summary>A pipeline has a property when every stage has it (and the reverse-when condition ignores origin).</summary>
    public static ModelClassification Classify(PipelineDecl pipeline)
    {
        var reasons = new List<string>();
        bool fp = true, oa = true;
        foreach (var stage in pipeline.Stages)
        {
            var c = Classify(stage.Model);
            fp &= c.FlowParallel;
            oa &= c.OriginAgnostic;
            reasons.AddRange(c.Reasons.Select(r => $"stage '{stage.Name}' ({stage.Model.Name}) {r}"));
        }
        if (pipeline.ReverseWhen != null && DependsOnOrigin(pipeline.ReverseWhen, []))
        {
            oa = false;
            reasons.Add($"{At(pipeline.ReverseWhen)}: the 'reverse when' condition depends on the packet's origin");
        }
        return new ModelClassification(pipeline.Name, fp, oa, reasons);
    }

    private static string At(Expr e) => $"{e.Span.Line}:{e.Span.Column}";
    private static string At(SourceSpan s) => $"{s.Line}:{s.Column}";

    // ---- flow-parallel ------------------------------------------------------------------------------

    private static bool CheckFlowParallel(ModelDecl model, List<string> reasons)
    {
        int before = reasons.Count;
        foreach (var rule in model.Rules)
        {
            foreach (var e in RuleExpressions(rule))
                foreach (var sub in Descendants(e))
                {
                    var (state, key) = sub switch
                    {
                        Contains { Collection: StateRef s } c => (s.State, c.Element),
                        Lookup { Collection: StateRef s } l => (s.State, l.Key),
                        _ => (null, null),
                    };
                    if (state != null && key is not FlowOf)
                        reasons.Add($"{At(sub)}: state '{state.Name}' is read at {AstPrinter.Print(key!)}, not at flow(p)");
                }
            foreach (var a in rule.Actions)
            {
                var key = a switch
                {
                    SetAdd s => s.Element,
                    SetRemove s => s.Element,
                    MapPut m => m.Key,
                    MapRemove m => m.Key,
                    _ => null,
                };
                if (key is not null and not FlowOf)
                    reasons.Add($"{At(a.Span)}: state '{a.State.Name}' is updated at {AstPrinter.Print(key)}, not at flow(p)");
            }
        }
        return reasons.Count == before;
    }

    // ---- origin-agnostic ----------------------------------------------------------------------------

    private static bool CheckOriginAgnostic(ModelDecl model, List<string> reasons)
    {
        // Maps whose values carry origin (fixpoint: a value read from such a map carries it too).
        var carriers = new HashSet<StateVar>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var rule in model.Rules)
                foreach (var put in rule.Actions.OfType<MapPut>())
                    if (!carriers.Contains(put.State) && DependsOnOrigin(put.Value, carriers))
                        changed = carriers.Add(put.State) | changed;
        }

        int before = reasons.Count;
        foreach (var rule in model.Rules)
        {
            if (rule.Guard != null && DependsOnOrigin(rule.Guard, carriers))
                reasons.Add($"{At(rule.Span)}: the guard of rule {rule.Index + 1} depends on the packet's origin");
            foreach (var w in rule.Rewrites)
                if (w.Field != PacketField.Origin && DependsOnOrigin(w.Value, carriers))
                    reasons.Add($"{At(w.Value)}: header field {PacketFields.NameOf(w.Field)} is computed from the packet's origin");
            foreach (var a in rule.Actions)
            {
                var key = a switch { SetAdd s => s.Element, SetRemove s => s.Element, MapPut m => m.Key, MapRemove m => m.Key, _ => null };
                if (key != null && DependsOnOrigin(key, carriers))
                    reasons.Add($"{At(a.Span)}: state '{a.State.Name}' is keyed by the packet's origin");
            }
            // Keys and oracle arguments anywhere (also inside copied values) must not carry origin.
            foreach (var e in RuleExpressions(rule))
                foreach (var sub in Descendants(e))
                {
                    if (sub is Contains c && DependsOnOrigin(c.Element, carriers))
                        reasons.Add($"{At(sub)}: a membership test uses the packet's origin");
                    else if (sub is Lookup l && DependsOnOrigin(l.Key, carriers))
                        reasons.Add($"{At(sub)}: a lookup key uses the packet's origin");
                    else if (sub is OracleCall oc && oc.Args.Any(x => DependsOnOrigin(x, carriers)))
                        reasons.Add($"{At(sub)}: oracle '{oc.Oracle.Name}' is given the packet's origin");
                }
        }
        return reasons.Count == before;
    }

    /// <summary>Whether the value of <paramref name="e"/> can change with the received packet's origin.
    /// A packet passed whole (to an oracle or flow(p)) counts only through its non-origin fields.</summary>
    private static bool DependsOnOrigin(Expr e, HashSet<StateVar> carriers) => e switch
    {
        FieldRead f => f.Field == PacketField.Origin,
        PacketExpr p => p.Overrides.Any(o => o.Field != PacketField.Origin && DependsOnOrigin(o.Value, carriers)),
        Lookup { Collection: StateRef s } l => carriers.Contains(s.State) || DependsOnOrigin(l.Key, carriers),
        _ => Children(e).Any(c => DependsOnOrigin(c, carriers)),
    };

    // ---- traversal ----------------------------------------------------------------------------------

    /// <summary>Every top-level expression of a rule: guard, action keys and values, header writes.</summary>
    private static IEnumerable<Expr> RuleExpressions(Rule rule)
    {
        if (rule.Guard != null) yield return rule.Guard;
        foreach (var a in rule.Actions)
        {
            switch (a)
            {
                case SetAdd s: yield return s.Element; break;
                case SetRemove s: yield return s.Element; break;
                case MapPut m: yield return m.Key; yield return m.Value; break;
                case MapRemove m: yield return m.Key; break;
            }
        }
        foreach (var w in rule.Rewrites) yield return w.Value;
    }

    private static IEnumerable<Expr> Descendants(Expr e)
    {
        yield return e;
        foreach (var c in Children(e))
            foreach (var d in Descendants(c))
                yield return d;
    }

    /// <summary>Direct sub-expressions.</summary>
    internal static IEnumerable<Expr> Children(Expr e) => e switch
    {
        PacketExpr p => p.Overrides.Select(o => o.Value),
        FlowOf f => [f.Packet],
        FlowField f => [f.Flow],
        TupleExpr t => t.Items,
        TupleGet t => [t.Tuple],
        RecordGet r => [r.Record],
        OptionGet o => [o.Option],
        OptionDefined o => [o.Option],
        OracleCall c => c.Args,
        Contains c => [c.Collection, c.Element],
        Lookup l => [l.Collection, l.Key],
        FindFirst f => [f.List, f.Predicate],
        Not n => [n.Operand],
        Binary b => [b.Left, b.Right],
        PacketSetExpr s => s.Packets,
        _ => [],
    };
}
