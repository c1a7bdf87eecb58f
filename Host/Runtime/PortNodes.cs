using System.Runtime.CompilerServices;
using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Runtime;

/// <summary>The schedulable source of a chain: receives a batch from one port queue and pushes it
/// through the chain to completion.</summary>
internal sealed unsafe class PortReceiveNode(IPort port, int queue, int batchSize, CoreContext core) : ISchedulable
{
    private readonly PacketBatch _batch = new(batchSize);
    internal Node? Next;

    public string Name => $"rx:{port.Name}/{queue}";
    public IPort Port => port;

    public int Poll(long nowTicks)
    {
        int n;
        fixed (PacketDesc** items = _batch.Items) n = port.Receive(queue, items, _batch.Capacity);
        if (n == 0) return 0;
        _batch.Count = n;
        if (Next is { } next) next.Process(_batch);
        else core.DropAll(_batch);
        return n;
    }
}

/// <summary>The end of a chain: hands the batch to a port queue, which sends or frees every packet.</summary>
internal sealed unsafe class PortSendNode(IPort port, int queue) : Node
{
    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        fixed (PacketDesc** items = batch.Items) port.Send(queue, items, batch.Count);
        batch.Clear();
    }
}

/// <summary>
/// Where a packet enters an NF. Counts the NF's input and clears the header stack, so every NF
/// parses from the first byte as in thesis listing 1 and cannot depend on another NF's parse state
/// (per-packet metadata does carry over, on purpose). Runs as the first stage of the NF's first fused
/// node (<see cref="NfEntryStage"/>), so the reset costs no loop of its own.
/// </summary>
internal sealed class NfEntryNode : StageNode;

internal unsafe struct NfEntryStage(NfEntryNode node) : IStage
{
    public static int Count => 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Run(PacketDesc* d, ref int mark, int at)
    {
        d->Headers.Clear();
        d->FlowHash = 0; // an earlier NF may have rewritten addresses (NAT)
        return Outcome.Keep;
    }

    public readonly bool RunFrom(PacketDesc* d, ref int mark, int at, int from) => Run(d, ref mark, at) == Outcome.Keep;

    public readonly void Settle(ref int remaining) => node.Credit(remaining, 0);
    public readonly Node? Fault(int mark, int at) => null;
}

/// <summary>Where packets leave an NF: counts its output and hands it to its slot's continuation (read
/// per batch, so a generation still draining after a swap follows later splices downstream).</summary>
internal sealed class NfExitNode(NfSlotNode slot) : Node
{
    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        if (slot.Next is { } next) next.Process(batch);
        else { _dropped += batch.Count; Core.DropAll(batch); }
    }
}
