using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports;

/// <summary>
/// "pcap-out": writes every packet it is sent to one pcap file. Each queue formats records into its own
/// buffer without locking and appends the buffer to the file under a lock only when it fills, so cores
/// contend once per few hundred KB. Timestamps come from the wall clock at send time; frames are cut
/// to the snap length. The packets are freed after copying. <see cref="Dispose"/> flushes and closes.
/// </summary>
internal sealed unsafe class PcapWriterPort : ManagedPort
{
    private const int BufferBytes = 1 << 18;
    private readonly PcapWriter _writer;
    private readonly QueueBuffer[] _buffers;
    private readonly Lock _fileGate = new();
    private bool _disposed;

    private sealed class QueueBuffer(int size)
    {
        public readonly byte[] Bytes = new byte[size];
        public int Used;
        // Keep two queues' fill levels (written by different cores) off one cache line.
#pragma warning disable CS0169
        private long _p1, _p2, _p3, _p4, _p5, _p6, _p7;
#pragma warning restore CS0169
    }

    public PcapWriterPort(PcapOutPortSpec spec, int queues) : this(spec.Name, spec.File, spec.SnapLength, queues) { }

    public PcapWriterPort(string name, string path, int snapLength, int queues) : base(name, queues)
    {
        _writer = new PcapWriter(path, snapLength);
        // Big enough for the largest record whatever the snap length, so a record never straddles buffers.
        int size = BufferBytes + PcapFile.RecordHeaderSize + Math.Min(snapLength, PcapFile.MaxRecordLength);
        _buffers = Enumerable.Range(0, queues).Select(_ => new QueueBuffer(size)).ToArray();
    }

    public override string Kind => "pcap-out";
    public override bool CanReceive => false;
    public override bool CanSend => true;
    public string Path => _writer.Path;

    public override int Send(int queue, PacketDesc** descs, int count)
    {
        if (_disposed) { Drop(queue, descs, count); return 0; }
        var buf = _buffers[queue];
        long micros = (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        long bytes = 0;
        long chained = 0;
        for (int i = 0; i < count; i++)
        {
            var d = descs[i];
            // A DPDK chain (a frame larger than an mbuf): only its first segment is reachable here, and a truncated
            // record would look whole, so it is dropped and counted instead.
            if (d->Segments > 1) { chained++; continue; }
            var frame = new ReadOnlySpan<byte>(d->Data, d->Length);
            if (buf.Used + _writer.RecordSize(frame.Length) > buf.Bytes.Length) FlushQueue(buf);
            buf.Used += _writer.WriteRecord(buf.Bytes.AsSpan(buf.Used), micros, frame);
            bytes += frame.Length;
        }
        var c = Counters.PerQueue[queue];
        c.TxPackets += count - chained;
        c.TxDropped += chained;
        c.TxBytes += bytes;
        BufferPools.FreeBulk(descs, count);
        return count;
    }

    private void FlushQueue(QueueBuffer buf)
    {
        if (buf.Used == 0) return;
        lock (_fileGate) _writer.Append(buf.Bytes.AsSpan(0, buf.Used));
        buf.Used = 0;
    }

    /// <summary>Write every queue's buffered records to disk. Only while no core is sending on this port.</summary>
    public void Flush()
    {
        foreach (var b in _buffers) FlushQueue(b);
        lock (_fileGate) _writer.Flush();
    }

    public override void Dispose()
    {
        if (_disposed) return;
        Flush();
        _disposed = true;
        _writer.Dispose();
    }
}
