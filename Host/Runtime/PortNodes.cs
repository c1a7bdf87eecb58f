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
