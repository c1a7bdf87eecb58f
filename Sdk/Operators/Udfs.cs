namespace Switchboard.Sdk;

// Per-packet user functions. Write them as structs implementing these interfaces: each operator is a
// generic node over the UDF type, so the JIT compiles a copy of the loop for that struct and inlines
// the call (no delegate or interface dispatch per packet). Delegate overloads exist for brevity;
// they cost an indirect call per packet (see bench/ for the measured difference).

/// <summary>Modify a packet in place (headers, payload, metadata).</summary>
public interface ITransform { void Transform(Packet packet); }

/// <summary>Keep (true) or drop (false) a packet.</summary>
public interface IFilter { bool Keep(Packet packet); }

/// <summary>Pick a branch 0..groups-1 for a packet (out-of-range ids are dropped and counted).</summary>
public interface IGroupBy { int Group(Packet packet); }

/// <summary>Pick a value whose remainder by the core count chooses the core (shuffle).</summary>
public interface IShuffle { uint Key(Packet packet); }

public delegate void PacketAction(Packet packet);
public delegate bool PacketPredicate(Packet packet);
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
