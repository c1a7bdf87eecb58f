using System.Numerics;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>A model function as the solver printed it: <c>(define-fun name ((p S) ...) S body)</c>.</summary>
public sealed record ModelFunction(string Name, IReadOnlyList<string> Parameters, SExpr Body);

/// <summary>Thrown when a term cannot be evaluated in a model (a symbol the model leaves undefined, a quantifier).</summary>
public sealed class ModelEvaluationException(string message) : Exception(message);

/// <summary>
/// A satisfying assignment read from <c>(get-model)</c>: the solver's definitions of constants and functions
/// (finite interpretations as <c>ite</c> chains, with z3's auxiliary <c>k!n</c> functions), evaluated on demand.
/// The script's datatypes tell constructors and accessors apart from uninterpreted symbols.
/// </summary>
public sealed class SmtModel
{
    private const int MaxDepth = 10_000;
    private readonly Dictionary<string, ModelFunction> _functions;
    private readonly Dictionary<string, SmtValue> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _constructors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Constructor, int Index)> _accessors = new(StringComparer.Ordinal);
    private int _depth;

    private SmtModel(Dictionary<string, ModelFunction> functions, IEnumerable<DatatypeDecl> datatypes)
    {
        _functions = functions;
        foreach (var d in datatypes)
        foreach (var c in d.Constructors)
        {
            _constructors.Add(c.Name);
            for (int i = 0; i < c.Fields.Count; i++) _accessors[c.Fields[i].Name] = (c.Name, i);
        }
    }

    /// <summary>The definitions the solver printed, by name.</summary>
    public IReadOnlyDictionary<string, ModelFunction> Functions => _functions;

    /// <summary>Reads a <c>(get-model)</c> response (z3's older <c>(model ...)</c> wrapper accepted).</summary>
    public static SmtModel Parse(SExpr response, IEnumerable<DatatypeDecl> datatypes)
    {
        if (response is not SList list) throw new FormatException($"a model is a list, got {response}");
        var functions = new Dictionary<string, ModelFunction>(StringComparer.Ordinal);
        foreach (var item in list.Items)
        {
            if (item.Head != "define-fun" || item is not SList { Items.Count: 5 } def) continue;
            var name = ((SAtom)def.Items[1]).Text;
            var parameters = ((SList)def.Items[2]).Items.Select(p => ((SAtom)((SList)p).Items[0]).Text).ToList();
            functions[name] = new ModelFunction(name, parameters, def.Items[4]);
        }
        return new SmtModel(functions, datatypes);
    }

    public bool Defines(string name) => _functions.ContainsKey(name);

    /// <summary>The value of a declared constant.</summary>
    public SmtValue Constant(string name) => Apply(name);

    /// <summary>The value of function <paramref name="name"/> at <paramref name="args"/>.</summary>
    public SmtValue Apply(string name, params SmtValue[] args)
    {
        if (args.Length == 0 && _constants.TryGetValue(name, out var cached)) return cached;
        if (!_functions.TryGetValue(name, out var f))
            throw new ModelEvaluationException($"the model does not define '{name}'");
        if (f.Parameters.Count != args.Length)
            throw new ModelEvaluationException($"'{name}' takes {f.Parameters.Count} argument(s), got {args.Length}");
        if (++_depth > MaxDepth) throw new ModelEvaluationException($"evaluation of '{name}' recurses too deeply");
        try
        {
            var env = new Dictionary<string, SmtValue>(StringComparer.Ordinal);
            for (int i = 0; i < args.Length; i++) env[f.Parameters[i]] = args[i];
            var value = Eval(f.Body, env);
            if (args.Length == 0) _constants[name] = value;
            return value;
        }
        finally { _depth--; }
    }

    public SmtValue Evaluate(Term term) => Evaluate(SExpr.Parse(term.ToString()));

    public SmtValue Evaluate(SExpr expr) => Eval(expr, new Dictionary<string, SmtValue>(StringComparer.Ordinal));

    /// <summary>Evaluates <paramref name="term"/> with some symbols bound to values (e.g. a packet read from the model).</summary>
    public SmtValue Evaluate(Term term, IReadOnlyDictionary<string, SmtValue> bindings) =>
        Eval(SExpr.Parse(term.ToString()), new Dictionary<string, SmtValue>(bindings, StringComparer.Ordinal));

    private SmtValue Eval(SExpr e, Dictionary<string, SmtValue> env)
    {
        switch (e)
        {
            case SAtom { Kind: AtomKind.Numeral } n:
                return new IntValue(BigInteger.Parse(n.Text, System.Globalization.CultureInfo.InvariantCulture));
            case SAtom { Kind: AtomKind.Symbol } s:
                return Symbol(s.Text, env);
            case SAtom other:
                return new OpaqueValue(other.ToString());
            case SList { Items.Count: 0 }:
                throw new ModelEvaluationException("cannot evaluate ()");
        }
        var items = ((SList)e).Items;
        if (items[0] is SList indexed)
        {
            // ((_ is C) x)
            if (indexed.Items is [SAtom { Text: "_" }, SAtom { Text: "is" }, SAtom c] && items.Count == 2)
                return Bool(Eval(items[1], env) is DatatypeValue dv && dv.Constructor == c.Text);
            // ((as C S) args...)
            if (indexed.Items is [SAtom { Text: "as" }, SAtom ctor, _])
                return Construct(ctor.Text, items, env);
            throw new ModelEvaluationException($"cannot evaluate {e}");
        }
        string head = ((SAtom)items[0]).Text;
        switch (head)
        {
            case "as": return Eval(items[1], env);
            case "!": return Eval(items[1], env);
            case "let":
                var inner = new Dictionary<string, SmtValue>(env, StringComparer.Ordinal);
                foreach (var b in ((SList)items[1]).Items.Cast<SList>())
                    inner[((SAtom)b.Items[0]).Text] = Eval(b.Items[1], env);
                return Eval(items[2], inner);
            case "forall" or "exists" or "lambda":
                throw new ModelEvaluationException($"cannot evaluate a {head} term");
            case "ite":
                return AsBool(Eval(items[1], env)) ? Eval(items[2], env) : Eval(items[3], env);
            case "and":
                for (int i = 1; i < items.Count; i++) if (!AsBool(Eval(items[i], env))) return BoolValue.False;
                return BoolValue.True;
            case "or":
                for (int i = 1; i < items.Count; i++) if (AsBool(Eval(items[i], env))) return BoolValue.True;
                return BoolValue.False;
            case "not": return Bool(!AsBool(Eval(items[1], env)));
            case "=>": return Bool(!AsBool(Eval(items[1], env)) || AsBool(Eval(items[2], env)));
            case "xor": return Bool(AsBool(Eval(items[1], env)) ^ AsBool(Eval(items[2], env)));
            case "=":
            {
                var first = Eval(items[1], env);
                for (int i = 2; i < items.Count; i++) if (!first.Equals(Eval(items[i], env))) return BoolValue.False;
                return BoolValue.True;
            }
            case "distinct":
            {
                var values = items.Skip(1).Select(x => Eval(x, env)).ToList();
                return Bool(values.Distinct().Count() == values.Count);
            }
            case "<": return Compare(items, env, (a, b) => a < b);
            case "<=": return Compare(items, env, (a, b) => a <= b);
            case ">": return Compare(items, env, (a, b) => a > b);
            case ">=": return Compare(items, env, (a, b) => a >= b);
            case "+": return new IntValue(items.Skip(1).Aggregate(BigInteger.Zero, (acc, x) => acc + AsInt(Eval(x, env))));
            case "*": return new IntValue(items.Skip(1).Aggregate(BigInteger.One, (acc, x) => acc * AsInt(Eval(x, env))));
            case "-":
                if (items.Count == 2) return new IntValue(-AsInt(Eval(items[1], env)));
                return new IntValue(items.Skip(2).Aggregate(AsInt(Eval(items[1], env)), (acc, x) => acc - AsInt(Eval(x, env))));
            case "abs": return new IntValue(BigInteger.Abs(AsInt(Eval(items[1], env))));
            case "div" or "mod":
            {
                // SMT-LIB integer division: the remainder is never negative.
                var a = AsInt(Eval(items[1], env));
                var b = AsInt(Eval(items[2], env));
                if (b.IsZero) throw new ModelEvaluationException($"division by zero in {e}");
                var r = BigInteger.Remainder(a, b);
                if (r.Sign < 0) r += BigInteger.Abs(b);
                return new IntValue(head == "mod" ? r : (a - r) / b);
            }
        }
        if (head.StartsWith("is-", StringComparison.Ordinal) && _constructors.Contains(head[3..]) && items.Count == 2)
            return Bool(Eval(items[1], env) is DatatypeValue t && t.Constructor == head[3..]);
        if (_functions.ContainsKey(head))
            return Apply(head, items.Skip(1).Select(x => Eval(x, env)).ToArray());
        if (_accessors.TryGetValue(head, out var acc) && items.Count == 2)
        {
            var v = Eval(items[1], env);
            if (v is DatatypeValue d && d.Constructor == acc.Constructor) return d.Fields[acc.Index];
            throw new ModelEvaluationException($"accessor {head} applied to {v}");
        }
        return Construct(head, items, env);
    }

    private SmtValue Construct(string constructor, IReadOnlyList<SExpr> items, Dictionary<string, SmtValue> env)
    {
        if (!_constructors.Contains(constructor))
            throw new ModelEvaluationException($"the model does not define '{constructor}'");
        return new DatatypeValue(constructor, items.Skip(1).Select(x => Eval(x, env)).ToArray());
    }

    private SmtValue Symbol(string name, Dictionary<string, SmtValue> env)
    {
        if (env.TryGetValue(name, out var bound)) return bound;
        if (name == "true") return BoolValue.True;
        if (name == "false") return BoolValue.False;
        if (_functions.ContainsKey(name)) return Apply(name);
        if (_constructors.Contains(name)) return new DatatypeValue(name, []);
        // Abstract elements: cvc5 prints @uc_T_0 style names, z3 T!val!0.
        if (name.StartsWith('@') || name.Contains("!val!", StringComparison.Ordinal)) return new OpaqueValue(name);
        throw new ModelEvaluationException($"the model does not define '{name}'");
    }

    private SmtValue Compare(IReadOnlyList<SExpr> items, Dictionary<string, SmtValue> env, Func<BigInteger, BigInteger, bool> op)
    {
        for (int i = 1; i + 1 < items.Count; i++)
            if (!op(AsInt(Eval(items[i], env)), AsInt(Eval(items[i + 1], env)))) return BoolValue.False;
        return BoolValue.True;
    }

    private static BoolValue Bool(bool b) => b ? BoolValue.True : BoolValue.False;

    private static bool AsBool(SmtValue v) => v is BoolValue b ? b.Value : throw new ModelEvaluationException($"expected a Bool, got {v}");

    private static BigInteger AsInt(SmtValue v) => v is IntValue i ? i.Value : throw new ModelEvaluationException($"expected an Int, got {v}");
}
