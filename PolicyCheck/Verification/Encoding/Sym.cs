using Switchboard.PolicyCheck.Smt;

namespace Switchboard.PolicyCheck.Verification.Encoding;

// Values while compiling a model expression. Configuration is known when the query is built, so most of
// it (lists of rules, records, options, address sets) is evaluated symbolically at compile time and
// only what depends on packets, state or oracles becomes an SMT term.

/// <summary>A compile-time value of the model language.</summary>
internal abstract record Sym;

/// <summary>A value that is an SMT term (Bool, Int, Address, Host, Flow, Packet, or a tuple datatype).</summary>
internal sealed record TermSym(Term Term) : Sym;

/// <summary>A set of addresses from the configuration: an address, a node's addresses, a prefix, a policy
/// group or <c>*</c>, as half-open ranges [Lo, Hi). A single address may lie outside every node (a range
/// bound such as a prefix's end), so it is kept as a number.</summary>
internal sealed record AddressSym(IReadOnlyList<(ulong Lo, ulong Hi)> Ranges, string Text) : Sym
{
    public bool IsSingle => Ranges.Count == 1 && Ranges[0].Hi == Ranges[0].Lo + 1;
    public ulong Value => Ranges[0].Lo;
    public bool Contains(ulong a) => Ranges.Any(r => r.Lo <= a && a < r.Hi);
}

/// <summary>A host (node) named in the configuration.</summary>
internal sealed record HostSym(string Name) : Sym;

/// <summary>A tuple or case-class value built from parts (records keep field order).</summary>
internal sealed record TupleSym(IReadOnlyList<Sym> Items) : Sym;

/// <summary>An Option: defined when <see cref="Defined"/> holds; <see cref="Value"/> is meaningful only then.</summary>
internal sealed record OptionSym(Term Defined, Sym Value) : Sym;

/// <summary>A configuration collection (List or Set: elements; Map: (key, value) pairs as 2-tuples).
/// <see cref="Complement"/> marks a deny list normalised to allow-list meaning: membership is "not listed".</summary>
internal sealed record CollectionSym(IReadOnlyList<Sym> Items, bool Complement = false) : Sym;
