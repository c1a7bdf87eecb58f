using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>
/// Packetize (thesis 3.1.1) as a standalone API: turns byte arrays into TCP segments that reuse a
/// template packet's Ethernet/IP/TCP headers. Create one, hand it to the UDFs that need it, and place
/// it in the graph with <see cref="Pipe.Packetize"/>; the packets it builds leave that node in batches:
/// when a batch of them fills, after the next batch passing through the node, or when the core's scheduler
/// visits it. Build one per graph replica (core).
/// </summary>
public sealed unsafe class Packetizer
{
    private PacketizeNode? _node;
    private int _mss = 1460;
    private ushort _ipId;

    /// <summary>Largest TCP payload per packet (1..9000).</summary>
    public int MaxSegmentSize
    {
        get => _mss;
        set => _mss = value is >= 1 and <= 9000 ? value : throw new ArgumentOutOfRangeException(nameof(value), "MaxSegmentSize must be 1..9000.");
    }

    /// <summary>Packets built so far.</summary>
    public long PacketsSent { get; private set; }

    /// <summary>Segments that could not be built (no buffers, or a template without IP and TCP parsed).</summary>
    public long Failures => _failures;
    private long _failures;

    internal void Bind(PacketizeNode node)
    {
        if (_node is not null) throw new InvalidOperationException("This packetizer is already placed in a graph; create one per Packetize node.");
        _node = node;
    }

    /// <summary>
    /// Send <paramref name="data"/> as TCP segments of at most <see cref="MaxSegmentSize"/> payload bytes,
    /// starting at sequence number <paramref name="sequence"/>. Headers come from <paramref name="template"/>
    /// (which must have IPv4 or IPv6 and TCP parsed; TCP options are not copied); the IP length, ID and
    /// checksum and the TCP sequence, flags and checksum are rewritten; the ack number and window are the
    /// template's. Every segment carries <paramref name="flags"/>; the last one also <paramref name="lastFlags"/>
    /// (with empty data, one bare segment is sent when <paramref name="lastFlags"/> is set, e.g. a FIN).
    /// Returns the bytes sent (less than the data length if buffers ran out).
    /// </summary>
    public int Send(Packet template, ReadOnlySpan<byte> data, uint sequence, byte flags = Tcp.Ack | Tcp.Psh, byte lastFlags = 0)
    {
        var node = _node ?? throw new InvalidOperationException("Place the packetizer in the graph with Pipe.Packetize(packetizer) before sending.");
        Span<byte> headers = stackalloc byte[StreamState.MaxTemplateBytes];
        Span<byte> kinds = stackalloc byte[PacketDesc.MaxHeaders];
        if (!SegmentWriter.TryCapture(template.Desc, headers, kinds, out int len, out int l3, out int l4, out int kindCount))
        {
            _failures++;
            return 0;
        }
        ref var tcp = ref template.Tcp;
        var t = new SegmentTemplate(headers[..len], l3, l4, kinds[..kindCount], (ushort)template.InputPort);
        long before = node.Built;
        int sent = SegmentWriter.Write(node.Core.Allocator, t, data, sequence, tcp.AckNumber, tcp.Window, flags, lastFlags, _mss, ref _ipId, node, ref _failures);
        PacketsSent += node.Built - before;
        return sent;
    }
}

/// <summary>Passes packets through and emits those its <see cref="Packetizer"/> builds.</summary>
internal sealed unsafe class PacketizeNode : Node, ISchedulable, IPacketSink
{
    private readonly PacketBatch _pending;
    public long Built;

    public PacketizeNode(int batchSize) => _pending = new PacketBatch(batchSize);

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        Emit(batch);
        Emit(_pending);
    }

    void IPacketSink.Add(PacketDesc* d)
    {
        Built++;
        _pending.Add(d);
        if (_pending.IsFull) Emit(_pending);
    }

    int ISchedulable.Poll(long nowTicks)
    {
        int n = _pending.Count;
        Emit(_pending);
        return n;
    }
}

public sealed partial class Pipe
{
    /// <summary>Place <paramref name="packetizer"/> here: packets pass through, and the segments it builds
    /// (from any UDF holding it) join the stream at this point (thesis 3.1.1 packetize).</summary>
    public Pipe Packetize(Packetizer packetizer)
    {
        ArgumentNullException.ThrowIfNull(packetizer);
        var node = new PacketizeNode(Builder.Core.BatchSize);
        packetizer.Bind(node);
        var output = Then(node, "packetize");
        Builder.Core.Schedulables.Add(node);
        return output;
    }
}
