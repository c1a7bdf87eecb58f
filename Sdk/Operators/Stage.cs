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
/// </summary>
internal unsafe interface IStage
{
    /// <summary>Run on one packet; false drops it. A stage that calls user code first stores its
    /// index in <paramref name="mark"/>, so a fault is charged to it.</summary>
    bool Run(PacketDesc* d, ref int mark);

    /// <summary>After a batch: credit this batch's counts to the stage's node, in stage order;
    /// <paramref name="remaining"/> enters as the packets that reached the stage and leaves as those it kept.</summary>
    void Settle(ref int remaining);

    /// <summary>User code in stage <paramref name="index"/> threw on a packet: count it as dropped
    /// there and return that stage's node (null when the index is not in this stage).</summary>
    Node? Fault(int index);
}

/// <summary>Stage <typeparamref name="TA"/>, then <typeparamref name="TB"/> on the packets it kept.</summary>
internal unsafe struct Then<TA, TB>(TA a, TB b) : IStage where TA : struct, IStage where TB : struct, IStage
{
    // Not readonly: stages (and struct UDFs inside them) are mutable and must run in place.
    private TA _a = a;
    private TB _b = b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Run(PacketDesc* d, ref int mark) => _a.Run(d, ref mark) && _b.Run(d, ref mark);

    public void Settle(ref int remaining)
    {
        _a.Settle(ref remaining);
        _b.Settle(ref remaining);
    }

    public Node? Fault(int index) => _a.Fault(index) ?? _b.Fault(index);
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
