using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// Runs a chain of consecutive per-packet operators as one node: one loop over the batch, each packet
/// carried through every stage before the next is loaded, drops compacted once. The Pipe builder makes
/// one when a per-packet operator follows something else, and extends it (a new node over
/// <c>Then&lt;old, new&gt;</c>, relinked in place of the old one) while per-packet operators follow.
/// The operators' own nodes (<see cref="StageNode"/>) keep their names and counters; this node is
/// not in <see cref="GraphBuilder.Nodes"/>.
/// </summary>
internal abstract class FusedNode : Node
{
    /// <summary>Longest chain fused into one node: the composed stage nests one generic level (and one
    /// inlining level) per stage, and the JIT stops inlining beyond some depth.</summary>
    internal const int MaxStages = 8;

    internal int StageCount { get; private protected init; }
    /// <summary>The node of the first and last stage (naming; the last takes drops when the output is left open).</summary>
    internal StageNode First { get; private protected init; } = null!;
    internal StageNode Last { get; private protected init; } = null!;

    /// <summary>A node running this chain followed by <paramref name="stage"/> (whose node is <paramref name="node"/>).</summary>
    internal abstract FusedNode Append<TNext>(TNext stage, StageNode node) where TNext : struct, IStage;

    private protected void NameAfterStages() =>
        Name = StageCount == 1 ? First.Name : $"{First.Name}..{Last.Name}";
}

internal sealed unsafe class FusedNode<TStage> : FusedNode where TStage : struct, IStage
{
    private TStage _stage; // not readonly: stages run in place
    private PacketDesc*[] _rejected = new PacketDesc*[PacketBatch.DefaultCapacity];

    // Where the guarded loop was when user code threw: (index << 16) | kept, written once per packet and
    // never read in the loop, so the loop's counters stay in registers (a try region around the loop itself
    // would spill them on every iteration: ~2 ns per packet, measured). _mark: the stage that was running.
    private int _resume, _mark;

    internal FusedNode(TStage stage, StageNode first, StageNode last) : this(stage, 1, first, last) { }

    private FusedNode(TStage stage, int count, StageNode first, StageNode last)
    {
        _stage = stage;
        StageCount = count;
        First = first;
        Last = last;
        NameAfterStages();
    }

    internal override FusedNode Append<TNext>(TNext stage, StageNode node) =>
        new FusedNode<Then<TStage, TNext>>(new(_stage, stage), StageCount + 1, First, node);

    internal override void Process(PacketBatch batch)
    {
        int n = batch.Count;
        _in += n;
        var items = batch.Items;
        var rejected = Scratch(ref _rejected, n);
        int i = 0, kept = 0;
        while (true)
        {
            try
            {
                kept = Run(items, rejected, i, n, kept);
                break;
            }
            catch (Exception e)
            {
                i = _resume >> 16;
                kept = _resume & 0xFFFF;
                (_stage.Fault(_mark, 0) ?? Last).NoteFault(e);
                rejected[i - kept] = items[i];
                i++;
            }
        }
        int remaining = n;
        _stage.Settle(ref remaining);
        batch.Count = kept;
        for (int r = 0; r < n - kept; r++) Core.Drop(rejected[r]);
        if (kept == 0) return;
        if (Next is { } next) next.Process(batch);
        else { Last._dropped += kept; Core.DropAll(batch); }
    }

    /// <summary>Run packets <paramref name="i"/>..n-1 through the stages; before packet i, i - kept packets are in <paramref name="rejected"/>.
    /// Not inlined: inside the caller's try region the loop's counters would live on the stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Run(PacketDesc*[] items, PacketDesc*[] rejected, int i, int n, int kept)
    {
        // Pointer walks: no bounds checks in the per-packet loop (n fits both arrays: the caller sized them).
        fixed (PacketDesc** it = items)
        fixed (PacketDesc** rej = rejected)
            for (; i < n; i++)
            {
                _resume = (i << 16) | kept;
                var d = it[i];
                int outcome = _stage.Run(d, ref _mark, 0);
                if (outcome == Outcome.Keep || (outcome >= 0 && RunFrom(d, outcome))) it[kept++] = d;
                else rej[i - kept] = d;
            }
        return kept;
    }

    /// <summary>A packet's deferred work (<see cref="IStage.RunFrom"/>), out of the loop.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool RunFrom(PacketDesc* d, int from) => _stage.RunFrom(d, ref _mark, 0, from);
}
