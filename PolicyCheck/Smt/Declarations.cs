namespace Switchboard.PolicyCheck.Smt;

/// <summary>An uninterpreted function (a constant when <see cref="Domain"/> is empty).</summary>
public sealed class FunDecl(string name, IReadOnlyList<Sort> domain, Sort range)
{
    public string Name { get; } = name;
    public IReadOnlyList<Sort> Domain { get; } = domain;
    public Sort Range { get; } = range;

    /// <summary>The application to <paramref name="args"/> (arity is checked: a wrong count is a bug in the encoder).</summary>
    public Term Apply(params Term[] args)
    {
        if (args.Length != Domain.Count)
            throw new ArgumentException($"{Name} takes {Domain.Count} argument(s), got {args.Length}", nameof(args));
        return args.Length == 0 ? new SymbolTerm(Name) : new AppTerm(Name, args);
    }

    internal string Declaration() => Domain.Count == 0
        ? $"(declare-const {SmtSymbol.Quote(Name)} {Range})"
        : $"(declare-fun {SmtSymbol.Quote(Name)} ({string.Join(' ', Domain)}) {Range})";
}

/// <summary>A datatype field (its accessor function).</summary>
public sealed record FieldDecl(string Name, Sort Sort);

/// <summary>A datatype constructor; nullary constructors make enumeration values.</summary>
public sealed record ConstructorDecl(string Name, IReadOnlyList<FieldDecl> Fields)
{
    public Term Apply(params Term[] args)
    {
        if (args.Length != Fields.Count)
            throw new ArgumentException($"constructor {Name} takes {Fields.Count} argument(s), got {args.Length}", nameof(args));
        return args.Length == 0 ? new SymbolTerm(Name) : new AppTerm(Name, args);
    }

    /// <summary>The tester <c>((_ is C) t)</c>.</summary>
    public Term Is(Term t) => new AppTerm($"(_ is {SmtSymbol.Quote(Name)})", [t], rawFunction: true);
}

/// <summary>An algebraic datatype (enumerations are datatypes with nullary constructors only).</summary>
public sealed class DatatypeDecl
{
    public DatatypeDecl(string name, IReadOnlyList<ConstructorDecl> constructors)
    {
        if (constructors.Count == 0) throw new ArgumentException($"datatype {name} needs at least one constructor", nameof(constructors));
        Name = name;
        Constructors = constructors;
        Sort = new Sort(name);
    }

    public string Name { get; }
    public Sort Sort { get; }
    public IReadOnlyList<ConstructorDecl> Constructors { get; }

    /// <summary>An enumeration sort with the given values (nullary constructors).</summary>
    public static DatatypeDecl Enumeration(string name, IEnumerable<string> values) =>
        new(name, values.Select(v => new ConstructorDecl(v, [])).ToList());

    /// <summary>A record sort: one constructor with named fields.</summary>
    public static DatatypeDecl Record(string name, string constructor, params FieldDecl[] fields) =>
        new(name, [new ConstructorDecl(constructor, fields)]);

    public ConstructorDecl Constructor(string name) =>
        Constructors.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"datatype {Name} has no constructor {name}", nameof(name));

    /// <summary>The enumeration value (nullary constructor) <paramref name="name"/>.</summary>
    public Term Value(string name) => Constructor(name).Apply();

    /// <summary>The accessor application <c>(field t)</c>.</summary>
    public Term Field(string field, Term t)
    {
        if (!Constructors.Any(c => c.Fields.Any(f => f.Name == field)))
            throw new ArgumentException($"datatype {Name} has no field {field}", nameof(field));
        return new AppTerm(field, [t]);
    }

    internal string ConstructorsText() =>
        "(" + string.Join(' ', Constructors.Select(c =>
            "(" + SmtSymbol.Quote(c.Name) + string.Concat(c.Fields.Select(f => $" ({SmtSymbol.Quote(f.Name)} {f.Sort})")) + ")")) + ")";
}
