namespace Switchboard.Sdk;

// Per-packet user functions (UDFs): struct UDF or delegate?
//
// Struct UDF (preferred on hot paths): `struct DecrementTtl : ITransform { ... }` passed as
// `.Transform<DecrementTtl>()` or `.Transform(new Limit(64))`. Each operator is a generic stage over the
// UDF type (`FilterStage<T>`, `TransformStage<T>`), consecutive per-packet
// stages are fused into one node (`FusedNode<Then<..>>`, see Stage.cs), and for struct types the JIT
// compiles one batch loop with every stage and T's method inlined: no delegate or interface dispatch,
// no closure, no allocation per packet. This is the C# analogue of the Rust monomorphisation NetBricks
// relies on. The struct lives inside the fused node, so its fields are per-operator state (per core:
// each core builds its own replica of the graph).
//
// Delegate (`.Transform(p => ...)`): shorter to write, fine for tests, control-plane-ish paths and
// rarely taken branches. It costs an indirect call per packet that the JIT cannot inline, and a
// lambda that captures variables allocates its closure once at build time (never per packet).
// Behaviour is identical; only speed differs, so start with a delegate and turn it into a struct
// when profiling says the function is hot.
//
// On a hot path, an operator that reads back a field the previous operator just wrote (a filter on the TTL a
// transform decremented) reloads it from the packet: the JIT does not forward stored values as C or Rust
// compilers do. One filter that modifies the packet and decides from the value it has in hand avoids that
// (Plugins/Ttl; worth a few per cent on chains of TTL NFs).

/// <summary>Modify a packet in place (headers, payload, metadata).</summary>
public interface ITransform { void Transform(Packet packet); }

/// <summary>Keep (true) or drop (false) a packet.</summary>
public interface IFilter { bool Keep(Packet packet); }

/// <summary>Pick a branch 0..groups-1 for a packet (out-of-range ids are dropped and counted).</summary>
public interface IGroupBy { int Group(Packet packet); }

/// <summary>Pick a value whose remainder by the core count chooses the core (shuffle).</summary>
public interface IShuffle { uint Key(Packet packet); }

/// <summary>Delegate form of <see cref="ITransform"/>.</summary>
public delegate void PacketAction(Packet packet);
/// <summary>Delegate form of <see cref="IFilter"/>.</summary>
public delegate bool PacketPredicate(Packet packet);
/// <summary>Delegate form of <see cref="IGroupBy"/>.</summary>
public delegate int PacketGrouper(Packet packet);

internal readonly struct DelegateTransform(PacketAction f) : ITransform
{
    public void Transform(Packet packet) => f(packet);
}

internal readonly struct DelegateFilter(PacketPredicate f) : IFilter
{
    public bool Keep(Packet packet) => f(packet);
}

internal readonly struct DelegateGroupBy(PacketGrouper f) : IGroupBy
{
    public int Group(Packet packet) => f(packet);
}
