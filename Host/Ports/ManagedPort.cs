using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>
/// Shared plumbing of the managed ports: identity, counters, and the behaviour of a direction the
/// port does not support (receive gives nothing; send frees every packet and counts it dropped).
/// </summary>
internal abstract unsafe class ManagedPort : IPort
{
    protected ManagedPort(string name, int queues)
    {
        if (queues < 1) throw new ArgumentOutOfRangeException(nameof(queues), $"Port '{name}' needs at least one queue, not {queues}.");
        Name = name;
        Queues = queues;
        Counters = new PortCounters(queues);
    }

    public string Name { get; }
    public abstract string Kind { get; }
    public abstract bool CanReceive { get; }
    public abstract bool CanSend { get; }
    public int Queues { get; }
    public PortCounters Counters { get; }
    /// <summary>Send-only ports have nothing to give, so they count as exhausted.</summary>
    public virtual bool Exhausted => !CanReceive;

    public virtual int Receive(int queue, PacketDesc** descs, int max) => 0;

    public virtual int Send(int queue, PacketDesc** descs, int count)
    {
        Drop(queue, descs, count);
        return 0;
    }

    /// <summary>Free packets that could not be sent and count them as TX drops.</summary>
    protected void Drop(int queue, PacketDesc** descs, int count)
    {
        if (count <= 0) return;
        Counters.PerQueue[queue].TxDropped += count;
        BufferPools.FreeBulk(descs, count);
    }

    public virtual void Dispose() { }
}
