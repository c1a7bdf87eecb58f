using System.Numerics;

namespace Switchboard.PolicyCheck.Smt;

/// <summary>A value in a model: Bool, Int, a datatype value (enumeration values are nullary), or a solver's
/// opaque element (e.g. cvc5's abstract values), compared structurally.</summary>
public abstract record SmtValue;

public sealed record BoolValue(bool Value) : SmtValue
{
    public static readonly BoolValue True = new(true), False = new(false);
    public override string ToString() => Value ? "true" : "false";
}

public sealed record IntValue(BigInteger Value) : SmtValue
{
    public override string ToString() => Value.ToString();
}

/// <summary>A constructor applied to field values; <see cref="Fields"/> is empty for enumeration values.</summary>
public sealed record DatatypeValue(string Constructor, IReadOnlyList<SmtValue> Fields) : SmtValue
{
    public bool Equals(DatatypeValue? other) =>
        other is not null && Constructor == other.Constructor && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Constructor);
        foreach (var f in Fields) h.Add(f);
        return h.ToHashCode();
    }

    public override string ToString() =>
        Fields.Count == 0 ? SmtSymbol.Quote(Constructor) : $"({SmtSymbol.Quote(Constructor)} {string.Join(' ', Fields)})";
}

/// <summary>A value the evaluator cannot interpret further, kept as the solver printed it.</summary>
public sealed record OpaqueValue(string Text) : SmtValue
{
    public override string ToString() => Text;
}
