using System.Numerics;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>Builders for the core and integer theory terms; n-ary connectives simplify their trivial cases
/// (an empty <c>and</c> is true, a one-argument <c>+</c> is its argument) so every printed term is valid SMT-LIB2.</summary>
public static class Terms
{
    public static readonly Term True = new SymbolTerm("true");
    public static readonly Term False = new SymbolTerm("false");

    public static Term Symbol(string name) => new SymbolTerm(name);
    public static Term Int(BigInteger value) => new IntLiteral(value);
    public static Term App(string function, params Term[] args) => new AppTerm(function, args);

    public static Term Not(Term t) => ReferenceEquals(t, True) ? False : ReferenceEquals(t, False) ? True : App("not", t);

    public static Term And(params IEnumerable<Term> terms)
    {
        var list = new List<Term>();
        foreach (var t in terms)
        {
            if (ReferenceEquals(t, False)) return False;
            if (!ReferenceEquals(t, True)) list.Add(t);
        }
        return list.Count switch { 0 => True, 1 => list[0], _ => new AppTerm("and", list) };
    }

    public static Term Or(params IEnumerable<Term> terms)
    {
        var list = new List<Term>();
        foreach (var t in terms)
        {
            if (ReferenceEquals(t, True)) return True;
            if (!ReferenceEquals(t, False)) list.Add(t);
        }
        return list.Count switch { 0 => False, 1 => list[0], _ => new AppTerm("or", list) };
    }

    public static Term Implies(Term a, Term b) =>
        ReferenceEquals(a, True) ? b : ReferenceEquals(a, False) || ReferenceEquals(b, True) ? True : App("=>", a, b);

    public static Term Eq(Term a, Term b) => App("=", a, b);

    /// <summary>Pairwise distinct; true for fewer than two terms.</summary>
    public static Term Distinct(params IReadOnlyList<Term> terms) => terms.Count < 2 ? True : new AppTerm("distinct", terms.ToArray());

    public static Term Ite(Term c, Term a, Term b) => App("ite", c, a, b);
    public static Term Lt(Term a, Term b) => App("<", a, b);
    public static Term Le(Term a, Term b) => App("<=", a, b);
    public static Term Gt(Term a, Term b) => App(">", a, b);
    public static Term Ge(Term a, Term b) => App(">=", a, b);

    public static Term Add(params IReadOnlyList<Term> terms) => terms.Count switch
    {
        0 => Int(0),
        1 => terms[0],
        _ => new AppTerm("+", terms.ToArray()),
    };

    public static Term Sub(Term a, Term b) => App("-", a, b);

    /// <summary>A universally quantified formula; each pattern is one multi-trigger (a list of terms).</summary>
    public static Term Forall(IReadOnlyList<Var> vars, Term body, IReadOnlyList<IReadOnlyList<Term>>? patterns = null, string? id = null) =>
        vars.Count == 0 ? body : new QuantifierTerm(true, vars, body, patterns ?? [], id);

    public static Term Exists(IReadOnlyList<Var> vars, Term body, IReadOnlyList<IReadOnlyList<Term>>? patterns = null, string? id = null) =>
        vars.Count == 0 ? body : new QuantifierTerm(false, vars, body, patterns ?? [], id);

    public static Term Let(IReadOnlyList<(string Name, Term Value)> bindings, Term body) =>
        bindings.Count == 0 ? body : new LetTerm(bindings, body);

    public static Term Named(Term term, string name) => new NamedTerm(term, name);

    /// <summary>At most <paramref name="k"/> of <paramref name="flags"/> are true (a sum of 0/1 terms).</summary>
    public static Term AtMost(IReadOnlyList<Term> flags, int k) =>
        flags.Count <= k ? True : Le(Add(flags.Select(f => Ite(f, 1, 0)).ToArray()), k);
}
