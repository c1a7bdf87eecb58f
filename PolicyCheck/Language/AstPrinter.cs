using System.Text;

namespace Switchboard.PolicyCheck.Language;

/// <summary>Prints checked expressions and rules in the model language's own notation (normal form:
/// a rewritten packet prints as <c>p{dst = e}</c>). Used in diagnostics, traces and tests, and to
/// compare expressions structurally.</summary>
internal static class AstPrinter
{
    public static string Print(Expr e) => e switch
    {
        BoolLit b => b.Value ? "true" : "false",
        IntLit i => i.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ErrorExpr => "<error>",
        ParamRef p => p.Param.Name,
        StateRef s => s.State.Name,
        LambdaVarRef l => l.Var.Name,
        PacketExpr p => p.IsReceived ? "p" : $"p{{{string.Join(", ", p.Overrides.Select(o => $"{PacketFields.NameOf(o.Field)} = {Print(o.Value)}"))}}}",
        FieldRead f => $"p.{PacketFields.NameOf(f.Field)}",
        FlowOf f => $"flow({Print(f.Packet)})",
        FlowField f => $"{Print(f.Flow)}.{PacketFields.NameOf(f.Field)}",
        TupleExpr t => $"({string.Join(", ", t.Items.Select(Print))})",
        TupleGet t => $"{Print(t.Tuple)}._{t.Index + 1}",
        RecordGet r => $"{Print(r.Record)}.{r.Field}",
        OptionGet o => $"{Print(o.Option)}.get",
        OptionDefined o => $"{Print(o.Option)}.isDefined",
        OracleCall c => $"{c.Oracle.Name}({string.Join(", ", c.Args.Select(Print))})",
        Contains c => $"{Print(c.Collection)}.contains({Print(c.Element)})",
        Lookup l => $"{Print(l.Collection)}[{Print(l.Key)}]",
        FindFirst f => $"{Print(f.List)}.findFirst({f.Var.Name} => {Print(f.Predicate)})",
        Not n => $"!{Wrap(n.Operand)}",
        Binary b => $"{Wrap(b.Left)} {Op(b.Op)} {Wrap(b.Right)}",
        PacketSetExpr s => s.Packets.Count == 0 ? "Empty" : $"Seq({string.Join(", ", s.Packets.Select(Print))})",
        _ => e.GetType().Name,
    };

    private static string Wrap(Expr e) => e is Binary ? $"({Print(e)})" : Print(e);

    private static string Op(BinaryOp op) => op switch
    {
        BinaryOp.And => "&&", BinaryOp.Or => "||", BinaryOp.Eq => "==", BinaryOp.NotEq => "!=",
        BinaryOp.Less => "<", BinaryOp.LessEq => "<=", BinaryOp.Greater => ">", _ => ">=",
    };

    public static string Print(StateAction a) => a switch
    {
        SetAdd s => $"{s.State.Name}.add({Print(s.Element)})",
        SetRemove s => $"{s.State.Name}.remove({Print(s.Element)})",
        MapPut m => $"{m.State.Name}[{Print(m.Key)}] = {Print(m.Value)}",
        MapRemove m => $"{m.State.Name}.remove({Print(m.Key)})",
        _ => a.GetType().Name,
    };

    /// <summary>One line per rule: <c>guard => action; ...; forward(...)</c>.</summary>
    public static string Print(Rule r)
    {
        var sb = new StringBuilder();
        sb.Append(r.Guard == null ? "_" : Print(r.Guard)).Append(" => ");
        foreach (var a in r.Actions) sb.Append(Print(a)).Append("; ");
        sb.Append("forward(").Append(r.Forward.Drops ? "Empty" : $"Seq({string.Join(", ", r.Forward.Packets.Select(Print))})").Append(')');
        return sb.ToString();
    }

    public static string Print(ModelDecl m) =>
        $"{m.Name}:\n" + string.Join("\n", m.Rules.Select(r => "  " + Print(r)));
}
