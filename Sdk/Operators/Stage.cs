using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// One per-packet operator (parse, try-parse, deparse, filter, transform, compose) in the form a
/// <see cref="FusedNode{TStage}"/> runs: straight-line work on one packet that keeps it or drops it.
/// Stages are structs composed with <see cref="Then{TA,TB}"/>, so the JIT compiles one loop per
/// fused chain with every stage (and its struct UDF) inlined: a packet goes through all stages
/// while it is in registers and L1, and dropped packets are compacted once per batch.
/// Each stage counts into its operator's node (<see cref="StageNode"/>), which stays the graph's
/// observable unit: name, counters, parse failures, faults.
/// <para>Work that is rare or large (a general parse, a deparse) is deferred out of line: the inline
/// <see cref="Run"/> only names the position that needs it, and the node calls <see cref="RunFrom"/> for that packet.
/// So the per-packet loop makes no call that returns into it, and its values stay in registers.</para>
/// </summary>
internal unsafe interface IStage
{
    /// <summary>How many operators this stage holds (1, or the sum of a <see cref="Then{TA,TB}"/>'s parts). Known
    /// from the type, so positions below are constants once the JIT has inlined the chain.</summary>
    static abstract int Count { get; }

    /// <summary>Run on one packet, inline: <see cref="Outcome.Keep"/>, <see cref="Outcome.Drop"/>, or the position
    /// (&gt;= 0) of the stage whose out-of-line work the packet needs next (<see cref="RunFrom"/>). <paramref name="at"/> is
    /// this stage's position in its fused node; a stage that calls user code first stores it in <paramref name="mark"/>,
    /// so a fault is charged to it.</summary>
    int Run(PacketDesc* d, ref int mark, int at);

    /// <summary>Out of line: the packet's work from position <paramref name="from"/> on (the deferred stage's own
    /// work first, then the stages after it); true keeps the packet.</summary>
    bool RunFrom(PacketDesc* d, ref int mark, int at, int from);

    /// <summary>After a batch: credit this batch's counts to the stage's node, in stage order;
    /// <paramref name="remaining"/> enters as the packets that reached the stage and leaves as those it kept.</summary>
    void Settle(ref int remaining);

    /// <summary>User code at position <paramref name="mark"/> threw on a packet: count it as dropped there and return
    /// that stage's node (null when the position is not in this stage, which sits at <paramref name="at"/>).</summary>
    Node? Fault(int mark, int at);
}

/// <summary>What <see cref="IStage.Run"/> says besides a position to defer to.</summary>
internal static class Outcome
{
    public const int Keep = -1, Drop = -2;
}

/// <summary>Stage <typeparamref name="TA"/>, then <typeparamref name="TB"/> on the packets it kept.</summary>
internal unsafe struct Then<TA, TB>(TA a, TB b) : IStage where TA : struct, IStage where TB : struct, IStage
{
    // Not readonly: stages (and struct UDFs inside them) are mutable and must run in place.
    private TA _a = a;
    private TB _b = b;

    public static int Count => TA.Count + TB.Count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Run(PacketDesc* d, ref int mark, int at)
    {
        int outcome = _a.Run(d, ref mark, at);
        return outcome != Outcome.Keep ? outcome : _b.Run(d, ref mark, at + TA.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool RunFrom(PacketDesc* d, ref int mark, int at, int from)
    {
        int atB = at + TA.Count;
        if (from >= atB) return _b.RunFrom(d, ref mark, atB, from);
        if (!_a.RunFrom(d, ref mark, at, from)) return false;
        int outcome = _b.Run(d, ref mark, atB);
        return outcome == Outcome.Keep || (outcome >= 0 && _b.RunFrom(d, ref mark, atB, outcome));
    }

    public void Settle(ref int remaining)
    {
        _a.Settle(ref remaining);
        _b.Settle(ref remaining);
    }

    public Node? Fault(int mark, int at) => _a.Fault(mark, at) ?? _b.Fault(mark, at + TA.Count);
}

/// <summary>
/// A per-packet operator's node: its name, counters and fault sink in the graph. Its packets run in
/// the <see cref="FusedNode"/> that holds its stage (one per run of consecutive per-packet operators),
/// which credits the counters after each batch; this node itself is never linked into the path.
/// </summary>
internal abstract class StageNode : Node
{
    internal sealed override void Process(PacketBatch batch) =>
        throw new InvalidOperationException($"'{Name}' runs as a stage of a fused node, not on its own.");

    /// <summary>Credit one batch: <paramref name="entered"/> packets reached the stage, <paramref name="dropped"/> of them were dropped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Credit(int entered, int dropped)
    {
        _in += entered;
        _dropped += dropped;
    }
}
