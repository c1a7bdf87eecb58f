using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>"null": a sink that counts what it is sent and frees it (like /dev/null). Receives nothing.</summary>
internal sealed unsafe class NullPort(NullPortSpec spec, int queues) : ManagedPort(spec.Name, queues)
{
    public override string Kind => "null";
    public override bool CanReceive => false;
    public override bool CanSend => true;

    public override int Send(int queue, PacketDesc** descs, int count)
    {
        var c = Counters.PerQueue[queue];
        long bytes = 0;
        for (int i = 0; i < count; i++) bytes += descs[i]->Length;
        c.TxPackets += count;
        c.TxBytes += bytes;
        BufferPools.FreeBulk(descs, count);
        return count;
    }
}
