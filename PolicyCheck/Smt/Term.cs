using System.Numerics;
using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// An SMT-LIB2 term. Terms are immutable trees printed as SMT-LIB2 text; build them with <see cref="Terms"/>,
/// <see cref="FunDecl.Apply"/> and <see cref="DatatypeDecl"/>. No sort checking here: the solver does that,
/// and a malformed script comes back as an unknown result with the solver's error.
/// </summary>
public abstract class Term
{
    internal abstract void Write(StringBuilder sb);

    public sealed override string ToString()
    {
        var sb = new StringBuilder();
        Write(sb);
        return sb.ToString();
    }

    public static implicit operator Term(bool value) => value ? Terms.True : Terms.False;
    public static implicit operator Term(int value) => new IntLiteral(value);
}

/// <summary>A constant, variable or nullary constructor by name.</summary>
public sealed class SymbolTerm(string name) : Term
{
    public string Name { get; } = name;
    internal override void Write(StringBuilder sb) => sb.Append(SmtSymbol.Quote(Name));
}

/// <summary>An integer literal (negative values print as <c>(- n)</c>).</summary>
public sealed class IntLiteral(BigInteger value) : Term
{
    public BigInteger Value { get; } = value;
    internal override void Write(StringBuilder sb)
    {
        if (Value.Sign < 0) sb.Append("(- ").Append(BigInteger.Negate(Value)).Append(')');
        else sb.Append(Value);
    }
}

/// <summary>A function application <c>(f a b ...)</c>; <see cref="Function"/> may be an indexed name such as <c>(_ is C)</c>
/// when <see cref="RawFunction"/> is set.</summary>
public sealed class AppTerm(string function, IReadOnlyList<Term> args, bool rawFunction = false) : Term
{
    public string Function { get; } = function;
    public IReadOnlyList<Term> Args { get; } = args;
    public bool RawFunction { get; } = rawFunction;

    internal override void Write(StringBuilder sb)
    {
        if (Args.Count == 0)
        {
            sb.Append(RawFunction ? Function : SmtSymbol.Quote(Function));
            return;
        }
        sb.Append('(').Append(RawFunction ? Function : SmtSymbol.Quote(Function));
        foreach (var a in Args)
        {
            sb.Append(' ');
            a.Write(sb);
        }
        sb.Append(')');
    }
}

/// <summary>A sorted variable bound by a quantifier.</summary>
public sealed record Var(string Name, Sort Sort)
{
    public static implicit operator Term(Var v) => new SymbolTerm(v.Name);
    public Term Term => new SymbolTerm(Name);
}

/// <summary><c>forall</c> or <c>exists</c> with optional trigger patterns (each pattern a multi-trigger) and quantifier id.</summary>
public sealed class QuantifierTerm(bool universal, IReadOnlyList<Var> vars, Term body, IReadOnlyList<IReadOnlyList<Term>> patterns, string? id) : Term
{
    public bool Universal { get; } = universal;
    public IReadOnlyList<Var> Vars { get; } = vars;
    public Term Body { get; } = body;
    public IReadOnlyList<IReadOnlyList<Term>> Patterns { get; } = patterns;
    public string? Id { get; } = id;

    internal override void Write(StringBuilder sb)
    {
        sb.Append(Universal ? "(forall (" : "(exists (");
        for (int i = 0; i < Vars.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append('(').Append(SmtSymbol.Quote(Vars[i].Name)).Append(' ').Append(Vars[i].Sort).Append(')');
        }
        sb.Append(") ");
        bool annotate = Patterns.Count > 0 || Id is not null;
        if (annotate) sb.Append("(! ");
        Body.Write(sb);
        foreach (var pattern in Patterns)
        {
            sb.Append(" :pattern (");
            for (int i = 0; i < pattern.Count; i++)
            {
                if (i > 0) sb.Append(' ');
                pattern[i].Write(sb);
            }
            sb.Append(')');
        }
        if (Id is not null) sb.Append(" :qid ").Append(SmtSymbol.Quote(Id));
        if (annotate) sb.Append(')');
        sb.Append(')');
    }
}

/// <summary><c>(let ((x e) ...) body)</c>.</summary>
public sealed class LetTerm(IReadOnlyList<(string Name, Term Value)> bindings, Term body) : Term
{
    public IReadOnlyList<(string Name, Term Value)> Bindings { get; } = bindings;
    public Term Body { get; } = body;

    internal override void Write(StringBuilder sb)
    {
        sb.Append("(let (");
        for (int i = 0; i < Bindings.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append('(').Append(SmtSymbol.Quote(Bindings[i].Name)).Append(' ');
            Bindings[i].Value.Write(sb);
            sb.Append(')');
        }
        sb.Append(") ");
        Body.Write(sb);
        sb.Append(')');
    }
}

/// <summary><c>(! term :named name)</c>: a named formula (unsat cores name it).</summary>
public sealed class NamedTerm(Term term, string name) : Term
{
    public Term Inner { get; } = term;
    public string Name { get; } = name;

    internal override void Write(StringBuilder sb)
    {
        sb.Append("(! ");
        Inner.Write(sb);
        sb.Append(" :named ").Append(SmtSymbol.Quote(Name)).Append(')');
    }
}
