using Switchboard.Sdk;

namespace Switchboard.Host.Ports;

/// <summary>
/// A packet port with one receive/transmit queue pair per core that uses it. Managed ports
/// (generator, pcap, null) and DPDK ports implement the same contract. Each queue is used by exactly
/// one core, so a port needs no locking on its fast path.
/// </summary>
internal unsafe interface IPort : IDisposable
{
    string Name { get; }
    /// <summary>The port type as written in plugins.json (generator, pcap-in, pcap-out, null, ...).</summary>
    string Kind { get; }
    bool CanReceive { get; }
    bool CanSend { get; }
    int Queues { get; }
    PortCounters Counters { get; }

    /// <summary>Fill up to <paramref name="max"/> descriptors with received packets; returns how many.
    /// The descriptors are reset for receive (empty header stack, metadata zeroed, input port set).
    /// Buffers come from the port's pool; when it runs dry the shortfall is counted in
    /// <see cref="QueueCounters.RxNoBuffer"/>. Only the core owning <paramref name="queue"/> may call this.</summary>
    int Receive(int queue, PacketDesc** descs, int max);

    /// <summary>Take ownership of <paramref name="count"/> packets: transmit what it can, free the rest
    /// (counted as TX drops). Returns how many were transmitted.</summary>
    int Send(int queue, PacketDesc** descs, int count);

    /// <summary>True when the port has nothing more to give: a pcap replayed once, a generator whose
    /// packet count is spent. Ports that cannot receive (sinks) report true; endless sources never do.
    /// Safe to read from any thread.</summary>
    bool Exhausted { get; }
}

/// <summary>Per-queue counters, each written by one core; the reporter sums them.</summary>
internal sealed class PortCounters(int queues)
{
    public readonly QueueCounters[] PerQueue = Enumerable.Range(0, queues).Select(_ => new QueueCounters()).ToArray();

    public long RxPackets => PerQueue.Sum(q => q.RxPackets);
    public long RxBytes => PerQueue.Sum(q => q.RxBytes);
    public long TxPackets => PerQueue.Sum(q => q.TxPackets);
    public long TxBytes => PerQueue.Sum(q => q.TxBytes);
    public long TxDropped => PerQueue.Sum(q => q.TxDropped);
    public long RxNoBuffer => PerQueue.Sum(q => q.RxNoBuffer);
}

/// <summary>One queue's counters. TX bytes and RX bytes are frame lengths without FCS; a DPDK port whose driver
/// allocates from the port's own pool reads no mbuf on receive and leaves RX bytes to the device's statistics.
/// RxNoBuffer counts packets a receive could not deliver because the pool had no free buffer.</summary>
internal sealed class QueueCounters
{
    public long RxPackets, RxBytes, TxPackets, TxBytes, TxDropped, RxNoBuffer;
    // Pad so two queues' counters never share a cache line.
#pragma warning disable CS0169
    private long _p1, _p2;
#pragma warning restore CS0169
}
