using System.Text;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>
/// A satisfiability query as SMT-LIB2 commands: logic, declarations and assertions. The solver adds its
/// own options, <c>(check-sat)</c> and the model/value/core requests, so one script runs on any backend.
/// Names are checked for clashes as they are declared (constructors, accessors and functions share one namespace).
/// </summary>
public sealed class SmtScript
{
    private readonly List<string> _commands = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly List<DatatypeDecl> _datatypes = [];
    private readonly List<FunDecl> _functions = [];
    private readonly List<string> _assertionNames = [];
    private readonly List<Term> _observed = [];

    public SmtScript(string logic = "ALL") => _commands.Add($"(set-logic {logic})");

    public IReadOnlyList<DatatypeDecl> Datatypes => _datatypes;
    public IReadOnlyList<FunDecl> Functions => _functions;
    public IReadOnlyList<string> AssertionNames => _assertionNames;

    /// <summary>Terms whose values the solver reports (<c>get-value</c>) when the query is satisfiable.</summary>
    public IReadOnlyList<Term> Observed => _observed;

    public SmtScript Comment(string text)
    {
        foreach (var line in text.Split('\n')) _commands.Add("; " + line.TrimEnd('\r'));
        return this;
    }

    /// <summary>Declares (mutually recursive) datatypes in one <c>declare-datatypes</c> command.</summary>
    public SmtScript DeclareDatatypes(params DatatypeDecl[] datatypes)
    {
        foreach (var d in datatypes)
        {
            Claim(d.Name, "sort");
            foreach (var c in d.Constructors)
            {
                Claim(c.Name, $"constructor of {d.Name}");
                foreach (var f in c.Fields) Claim(f.Name, $"field of {d.Name}");
            }
            _datatypes.Add(d);
        }
        var sorts = string.Join(' ', datatypes.Select(d => $"({SmtSymbol.Quote(d.Name)} 0)"));
        var bodies = string.Join(' ', datatypes.Select(d => d.ConstructorsText()));
        _commands.Add($"(declare-datatypes ({sorts}) ({bodies}))");
        return this;
    }

    public DatatypeDecl DeclareEnumeration(string name, IEnumerable<string> values)
    {
        var d = DatatypeDecl.Enumeration(name, values);
        DeclareDatatypes(d);
        return d;
    }

    public FunDecl DeclareFun(string name, IReadOnlyList<Sort> domain, Sort range)
    {
        Claim(name, "function");
        var f = new FunDecl(name, domain, range);
        _functions.Add(f);
        _commands.Add(f.Declaration());
        return f;
    }

    public Term DeclareConst(string name, Sort sort) => DeclareFun(name, [], sort).Apply();

    /// <summary>Asserts <paramref name="formula"/>; a <paramref name="name"/> labels it for unsat cores.</summary>
    public SmtScript Assert(Term formula, string? name = null)
    {
        if (name is not null)
        {
            Claim(name, "assertion name");
            _assertionNames.Add(name);
            formula = Terms.Named(formula, name);
        }
        _commands.Add($"(assert {formula})");
        return this;
    }

    /// <summary>Asks for the value of <paramref name="term"/> in the model when the query is satisfiable.</summary>
    public SmtScript Observe(Term term)
    {
        _observed.Add(term);
        return this;
    }

    /// <summary>The commands as SMT-LIB2 text, one per line.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var c in _commands) sb.Append(c).Append('\n');
        return sb.ToString();
    }

    private void Claim(string name, string what)
    {
        _ = SmtSymbol.Quote(name); // rejects names that cannot be written
        if (!_names.Add(name)) throw new ArgumentException($"'{name}' ({what}) is already declared in this script", nameof(name));
    }
}
