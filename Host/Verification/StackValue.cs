using System.Collections.Immutable;

namespace Switchboard.Host.Verification;

/// <summary>
/// One evaluation-stack slot. Numeric kinds carry no type; references carry the set of types they may
/// have (more than one after a join; an empty set is the null literal); by-refs carry their pointee and
/// whether they point into the current frame (<see cref="Local"/>), which must never escape it.
/// </summary>
internal sealed record SV(FKind Kind, FType? T, bool Local = false, ImmutableArray<FType> Alts = default)
{
    /// <summary>A by-ref to memory that must not be written (a <c>ref readonly</c> from an API such as a string's chars).</summary>
    public bool ReadOnly { get; init; }
    public static readonly SV I4 = new(FKind.I4, FType.Int32);
    public static readonly SV I8 = new(FKind.I8, FType.Int64);
    public static readonly SV NI = new(FKind.NI, FType.NInt);
    public static readonly SV F = new(FKind.F, FType.Double);
    public static readonly SV Null = new(FKind.Ref, null);

    public bool IsNull => Kind == FKind.Ref && T == null;
    public IEnumerable<FType> RefTypes => !Alts.IsDefault ? Alts : T != null ? [T] : [];
    public bool IsNumeric => Kind is FKind.I4 or FKind.I8 or FKind.NI or FKind.F;

    public static SV Ref(FType t) => new(FKind.Ref, t);
    public static SV ByRef(FType pointee, bool local) => new(FKind.ByRef, pointee, local);

    public string Key => Kind switch
    {
        FKind.Ref => "ref(" + string.Join("|", RefTypes.Select(t => t.Id).Order(StringComparer.Ordinal)) + ")",
        FKind.ByRef => (Local ? "local" : "") + (ReadOnly ? "readonly" : "") + "&" + T?.Id,
        FKind.Value or FKind.Generic => Kind + ":" + T?.Id,
        _ => Kind.ToString(),
    };

    public string Describe => Kind switch
    {
        FKind.I4 => "int32", FKind.I8 => "int64", FKind.NI => "native int", FKind.F => "float",
        FKind.Ref => IsNull ? "null" : string.Join(" or ", RefTypes.Select(t => t.Id)),
        FKind.ByRef => "ref " + T?.Id,
        _ => T?.Id ?? Kind.ToString(),
    };

    /// <summary>The join of two slots at a control-flow merge, or null when they are incompatible.</summary>
    public static SV? Merge(SV a, SV b)
    {
        if (a.Kind != b.Kind) return null;
        switch (a.Kind)
        {
            case FKind.Ref:
                if (a.IsNull) return b;
                if (b.IsNull) return a;
                var all = a.RefTypes.Concat(b.RefTypes).DistinctBy(t => t.Id).ToImmutableArray();
                if (all.Length == 1) return a;
                if (all.Length > 8) return Ref(FType.Object);
                return new SV(FKind.Ref, all[0], Alts: all);
            case FKind.ByRef:
                return a.T?.Id == b.T?.Id ? a with { Local = a.Local || b.Local, ReadOnly = a.ReadOnly || b.ReadOnly } : null;
            case FKind.Value or FKind.Generic:
                return a.T?.Id == b.T?.Id ? a : null;
            default:
                return a;
        }
    }
}
