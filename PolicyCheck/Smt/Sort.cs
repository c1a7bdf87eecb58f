namespace Switchboard.PolicyCheck.Smt;

/// <summary>An SMT-LIB2 sort, by name (<c>Bool</c>, <c>Int</c>, or a declared datatype/sort).</summary>
public sealed record Sort(string Name)
{
    public static readonly Sort Bool = new("Bool");
    public static readonly Sort Int = new("Int");

    public override string ToString() => SmtSymbol.Quote(Name);
}
