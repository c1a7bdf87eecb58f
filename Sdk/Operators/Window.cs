using System.Diagnostics;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>
/// Window (thesis 3.1.1): reorders and buffers TCP segments per direction and calls a stream UDF
/// with each full window of contiguous bytes, then slides; on FIN, RST, timeout or eviction the UDF
/// gets the remaining bytes. State is per core and unsynchronised (flows stay on one core). Packets
/// are forwarded unmodified, or in Consume mode data segments are dropped and the UDF's emitted bytes
/// are packetized in their place. Packets without a parsed TCP header pass through untouched.
/// </summary>
internal sealed unsafe class WindowNode<T> : Node, ISchedulable, IStreamEmitter, IPacketSink, IRetireFlush where T : IStreamUdf
{
    private T _udf;
    private readonly int _size, _slide, _maxBytes, _mss;
    private readonly long _timeoutTicks;
    private readonly bool _consume;
    private readonly StreamTable _table;
    private readonly PacketBatch _out;
    private ushort _ipId;

    /// <summary>UDF calls for full windows, and for tails (FIN, RST, timeout, eviction).</summary>
    public long Windows, Tails;
    /// <summary>Bytes ignored as already received; bytes dropped by the per-flow buffer bound.</summary>
    public long DuplicateBytes, OverflowBytes;
    /// <summary>Directions closed by timeout; evicted by the flow bound; data packets consumed.</summary>
    public long TimedOut, Evicted, Consumed;
    /// <summary>Packets built by packetize; segments that could not be built (no buffers or no template).</summary>
    public long Emitted, EmitFailures;

    public WindowNode(T udf, WindowOptions options, int batchSize)
    {
        _udf = udf;
        _size = options.WindowSize;
        _slide = options.EffectiveSlide;
        _maxBytes = options.MaxBufferBytes;
        _mss = options.MaxSegmentSize;
        _consume = options.Consume;
        _timeoutTicks = Math.Max(1, (long)(options.Timeout.TotalSeconds * Stopwatch.Frequency));
        _table = new StreamTable(options.MaxFlows);
        _out = new PacketBatch(batchSize);
    }

    /// <summary>Stream directions currently tracked (including closed ones waiting to expire).</summary>
    public int Flows => _table.Count;

    internal override void Process(PacketBatch batch)
    {
        _in += batch.Count;
        long now = CoreContext.Now;
        var items = batch.Items;
        for (int i = 0; i < batch.Count; i++)
        {
            var d = items[i];
            bool forward;
            // The stream UDF runs inside Handle; if it throws, only this packet is lost (it was not forwarded yet)
            // and the batch stays consistent. Reassembly costs far more than the try, unlike a filter's loop.
            try { forward = Handle(d, now); }
            catch (Exception e)
            {
                NoteFault(e);
                DropPacket(d);
                continue;
            }
            if (forward) Forward(d);
            else { Consumed++; Core.Drop(d); }
        }
        batch.Clear();
        Emit(_out);
    }

    /// <summary>Finish and forget a stream (timeout, retirement); a throwing UDF is counted and the stream dropped
    /// anyway, so one bad stream cannot fault on every poll.</summary>
    private void FinishGuarded(StreamState s, WindowReason reason)
    {
        try
        {
            Finish(s, reason, keepClosed: false);
        }
        catch (Exception e)
        {
            NoteFault(e);
            s.Release(false);
            _table.Remove(s);
        }
    }

    /// <summary>Reassemble one packet; returns whether it goes on downstream.</summary>
    private bool Handle(PacketDesc* d, long now)
    {
        ref var h = ref d->Headers;
        int tcpOff = h.ByKind[(int)HeaderKind.Tcp];
        if (tcpOff == PacketDesc.Absent || h.Fragment) return true;
        var packet = new Packet(d);
        if (!FlowKey.TryGet(packet, out var key)) return true;
        ref var tcp = ref packet.Tcp;
        byte flags = tcp.Flags;
        uint seq = tcp.SequenceNumber;
        int payOff = tcpOff + tcp.HeaderLength;
        var payload = new ReadOnlySpan<byte>(d->Data + payOff, Math.Max(0, h.PayloadEnd(d->Length) - payOff));
        bool syn = (flags & Tcp.Syn) != 0, fin = (flags & Tcp.Fin) != 0;
        bool carriesStream = !payload.IsEmpty || fin;

        if ((flags & Tcp.Rst) != 0)
        {
            Reset(key, now);
            return true;
        }

        uint dataSeq = syn ? seq + 1 : seq;
        bool found = _table.TryGet(key, out var s);
        if (found && s.Closed && !syn)
            return !(_consume && carriesStream); // late retransmission after close: already delivered
        if (!found || s.Closed || (syn && s.IsEmpty))
        {
            if (!syn && payload.IsEmpty) return true; // no stream to start (pure ACK, or FIN of an unknown stream)
            if (!found)
            {
                if (_table.IsFull) EvictOldest();
                s = _table.Add(key, now);
            }
            s.Start(key, dataSeq, syn ? ((flags & Tcp.Ack) != 0 ? StreamDirection.ServerToClient : StreamDirection.ClientToServer) : InferDirection(key));
            s.TemplateLength = SegmentWriter.TryCapture(d, s.Template, s.Kinds, out int len, out s.L3Offset, out s.L4Offset, out s.KindCount) ? len : 0;
            s.InputPort = (ushort)packet.InputPort;
        }
        _table.Touch(s, now);
        if ((flags & Tcp.Ack) != 0) s.LastAck = tcp.AckNumber;
        s.LastWindow = tcp.Window;

        OverflowBytes += s.Accept(dataSeq, payload, _maxBytes, ref DuplicateBytes);
        if (fin && !s.FinSeen)
        {
            s.FinSeen = true;
            s.FinSeq = dataSeq + (uint)payload.Length;
        }
        DeliverWindows(s);
        if (s.FinReached) Finish(s, WindowReason.Closed, keepClosed: true);
        else if (s.WindowStart == s.Contiguous && s.Islands == 0) s.Compact(); // nothing to move: free
        return !(_consume && carriesStream && !syn);
    }

    private StreamDirection InferDirection(in FlowKey key)
    {
        if (!_table.TryGet(key.Reverse(), out var r)) return StreamDirection.Unknown;
        return r.Direction switch
        {
            StreamDirection.ClientToServer => StreamDirection.ServerToClient,
            StreamDirection.ServerToClient => StreamDirection.ClientToServer,
            _ => StreamDirection.Unknown,
        };
    }

    private void DeliverWindows(StreamState s)
    {
        while (s.Contiguous - s.WindowStart >= _size)
        {
            var ctx = new StreamContext(this, s, WindowReason.Full, s.BaseOffset + s.WindowStart);
            _udf.OnWindow(in ctx, new ReadOnlySpan<byte>(s.Buffer, s.WindowStart, _size));
            Windows++;
            s.WindowStart += _slide;
        }
    }

    /// <summary>Hand the UDF what is left (the contiguous tail, then any islands past a gap), then free the data.</summary>
    private void Finish(StreamState s, WindowReason reason, bool keepClosed)
    {
        if (s.Contiguous > s.WindowStart) Tail(s, reason, s.WindowStart, s.Contiguous);
        for (int i = 0; i < s.Islands; i++) Tail(s, reason, s.IslandStart[i], s.IslandEnd[i]);
        // The FIN was consumed with the data, so a close (or a FIN whose gap never filled) is re-sent after the emitted bytes.
        if (_consume && (reason == WindowReason.Closed || s.FinSeen && reason is WindowReason.Timeout or WindowReason.Evicted)) SendFin(s);
        s.Release(keepClosed);
        if (!keepClosed) _table.Remove(s);
    }

    private void Tail(StreamState s, WindowReason reason, int start, int end)
    {
        var ctx = new StreamContext(this, s, reason, s.BaseOffset + start);
        _udf.OnWindow(in ctx, new ReadOnlySpan<byte>(s.Buffer, start, end - start));
        Tails++;
    }

    private void Reset(in FlowKey key, long now)
    {
        if (_table.TryGet(key, out var s) && !s.Closed) { Finish(s, WindowReason.Reset, keepClosed: true); _table.Touch(s, now); }
        if (_table.TryGet(key.Reverse(), out var r) && !r.Closed) { Finish(r, WindowReason.Reset, keepClosed: true); _table.Touch(r, now); }
    }

    private void EvictOldest()
    {
        var o = _table.Oldest!;
        if (o.Closed) { _table.Remove(o); return; }
        Evicted++;
        Finish(o, WindowReason.Evicted, keepClosed: false);
    }

    int ISchedulable.Poll(long nowTicks)
    {
        long before = Emitted;
        while (_table.Oldest is { } o && nowTicks - o.LastSeen >= _timeoutTicks)
        {
            if (o.Closed) { _table.Remove(o); continue; }
            TimedOut++;
            FinishGuarded(o, WindowReason.Timeout);
        }
        Emit(_out);
        return (int)(Emitted - before);
    }

    /// <summary>The NF generation is being retired: hand the UDF every open stream's remaining bytes now
    /// (as on eviction) instead of waiting for the timeout, and emit what that produces.</summary>
    int IRetireFlush.FlushForRetire()
    {
        long before = Emitted;
        while (_table.Oldest is { } o)
        {
            if (o.Closed) { _table.Remove(o); continue; }
            Evicted++;
            FinishGuarded(o, WindowReason.Evicted);
        }
        Emit(_out);
        return (int)(Emitted - before);
    }

    bool IStreamEmitter.Emit(StreamState s, ReadOnlySpan<byte> data)
    {
        if (!_consume) throw new InvalidOperationException("StreamContext.Emit needs a window in Consume mode (WindowOptions.Consume = true); otherwise the original packets are forwarded.");
        if (data.IsEmpty) return true;
        return Send(s, data, 0) == data.Length;
    }

    private void SendFin(StreamState s)
    {
        Send(s, default, Tcp.Fin);
        s.OutSeq++;
    }

    private int Send(StreamState s, ReadOnlySpan<byte> data, byte lastFlags)
    {
        if (s.TemplateLength == 0) { EmitFailures++; return 0; }
        var t = new SegmentTemplate(s.Template.AsSpan(0, s.TemplateLength), s.L3Offset, s.L4Offset, s.Kinds.AsSpan(0, s.KindCount), s.InputPort);
        int sent = SegmentWriter.Write(Core.Allocator, t, data, s.OutSeq, s.LastAck, s.LastWindow, (byte)(Tcp.Ack | (data.IsEmpty ? 0 : Tcp.Psh)), lastFlags,
            _mss, ref _ipId, this, ref EmitFailures);
        s.OutSeq += (uint)sent;
        return sent;
    }

    void IPacketSink.Add(PacketDesc* d)
    {
        Emitted++;
        Forward(d);
    }

    private void Forward(PacketDesc* d)
    {
        _out.Add(d);
        if (_out.IsFull) Emit(_out);
    }
}

public sealed partial class Pipe
{
    /// <summary>
    /// Reassemble TCP streams and call <paramref name="udf"/> with windows of
    /// <see cref="WindowOptions.WindowSize"/> bytes sliding by <see cref="WindowOptions.Slide"/>, and with the
    /// remaining bytes on FIN, RST, timeout or eviction (thesis 3.1.1 window). Needs IPv4/IPv6 and TCP parsed
    /// upstream; other packets pass through. Packets are forwarded unmodified unless
    /// <see cref="WindowOptions.Consume"/> is set.
    /// </summary>
    public Pipe Window<T>(WindowOptions options, T udf) where T : IStreamUdf
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var node = new WindowNode<T>(udf, options, Builder.Core.BatchSize);
        var output = Then(node, "window");
        Builder.Core.Schedulables.Add(node);
        return output;
    }
}
