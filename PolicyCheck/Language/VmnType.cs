namespace Switchboard.PolicyCheck.Language;

/// <summary>Types of the model language. Records compare structurally, so two <c>Set[Flow]</c>
/// written in different places are equal. See LANGUAGE.md for what each means to the encoder.</summary>
internal abstract record VmnType
{
    public static readonly PrimitiveType Bool = new(PrimitiveKind.Bool);
    public static readonly PrimitiveType Int = new(PrimitiveKind.Int);
    public static readonly PrimitiveType Address = new(PrimitiveKind.Address);
    public static readonly PrimitiveType Host = new(PrimitiveKind.Host);
    public static readonly PrimitiveType Flow = new(PrimitiveKind.Flow);
    public static readonly PrimitiveType Packet = new(PrimitiveKind.Packet);
    /// <summary>The argument of forward(...): Seq(p, ...), Empty or Seq.empty.</summary>
    public static readonly PrimitiveType PacketSet = new(PrimitiveKind.PacketSet);
    /// <summary>Type of an expression that already produced a diagnostic; compatible with everything so errors do not cascade.</summary>
    public static readonly PrimitiveType Error = new(PrimitiveKind.Error);

    public bool IsError => this is PrimitiveType { Kind: PrimitiveKind.Error };
}

internal enum PrimitiveKind { Bool, Int, Address, Host, Flow, Packet, PacketSet, Error }

internal sealed record PrimitiveType(PrimitiveKind Kind) : VmnType
{
    public override string ToString() => Kind == PrimitiveKind.PacketSet ? "Seq[Packet]" : Kind.ToString();
}

internal sealed record SetType(VmnType Element) : VmnType
{
    public override string ToString() => $"Set[{Element}]";
}

internal sealed record MapType(VmnType Key, VmnType Value) : VmnType
{
    public override string ToString() => $"Map[{Key}, {Value}]";
}

/// <summary>An ordered, finite list (configuration only); indexable by Int, searchable with findFirst.</summary>
internal sealed record ListType(VmnType Element) : VmnType
{
    public override string ToString() => $"List[{Element}]";
}

internal sealed record OptionType(VmnType Element) : VmnType
{
    public override string ToString() => $"Option[{Element}]";
}

internal sealed record TupleType(IReadOnlyList<VmnType> Elements) : VmnType
{
    public bool Equals(TupleType? other) => other is not null && Elements.SequenceEqual(other.Elements);
    public override int GetHashCode() => Elements.Aggregate(17, (h, e) => h * 31 + e.GetHashCode());
    public override string ToString() => $"({string.Join(", ", Elements)})";
}

/// <summary>A "case class" record type; equal by name (names are unique per compilation).</summary>
internal sealed record RecordType(string Name) : VmnType
{
    /// <summary>Fields in declaration order; filled in once the declaration is checked.</summary>
    public IReadOnlyList<(string Name, VmnType Type)> Fields { get; internal set; } = [];

    public bool Equals(RecordType? other) => other is not null && other.Name == Name;
    public override int GetHashCode() => Name.GetHashCode(StringComparison.Ordinal);
    public override string ToString() => Name;
}

internal static class VmnTypes
{
    /// <summary>True when a value of type <paramref name="actual"/> may be used where <paramref name="expected"/> is needed
    /// (equal, or either side already erroneous).</summary>
    public static bool Fits(VmnType actual, VmnType expected) =>
        actual.IsError || expected.IsError || actual.Equals(expected);

    /// <summary>Types whose values are totally ordered for &lt;, &lt;=, &gt;, &gt;= (address ranges and port ranges).</summary>
    public static bool IsOrdered(VmnType t) => t.IsError || t.Equals(VmnType.Int) || t.Equals(VmnType.Address);
}
