using System.Buffers.Binary;
using System.Collections.Concurrent;
using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>
/// A generator that stamps a unique sequence number (queue in the high 32 bits, index in the low) into the
/// UDP payload of every packet, over 64 flows per queue so shuffles spread them across cores. Closed loop:
/// it keeps at most <see cref="Window"/> packets in flight (generated minus completed), so shuffle rings can
/// never fill and every loss the sink sees is the switch's. Runs until <see cref="Stop"/>.
/// </summary>
internal sealed unsafe class SeqGeneratorPort(string name, int queues, NativePool pool, ushort portIndex, long limitPerQueue) : ManagedPort(name, queues)
{
    public const int SeqOffset = 14 + 20 + 8;
    private readonly byte[][] _scratch = Enumerable.Range(0, queues).Select(_ => new byte[128]).ToArray();
    private readonly long[] _next = new long[queues];
    private long _generated;
    public volatile bool Stop;
    public int Window = 512;
    /// <summary>Packets that have left the switch (sent or dropped); set once the dataplane exists.</summary>
    public Func<long> Completed = () => 0;

    public override string Kind => "seq-generator";
    public override bool CanReceive => true;
    public override bool CanSend => false;
    public override bool Exhausted => Stop;
    public long Generated => Interlocked.Read(ref _generated);
    public long GeneratedOn(int queue) => Volatile.Read(ref _next[queue]);

    public override int Receive(int queue, PacketDesc** descs, int max)
    {
        if (Stop) return 0;
        long room = Window - (Interlocked.Read(ref _generated) - Completed());
        int want = (int)Math.Min(Math.Min(max, room), limitPerQueue - _next[queue]);
        if (want <= 0) return 0;
        int got = pool.AllocBulk(descs, want);
        var buf = _scratch[queue];
        Span<byte> seq = stackalloc byte[8];
        for (int i = 0; i < got; i++)
        {
            long n = _next[queue]++;
            BinaryPrimitives.WriteInt64BigEndian(seq, (long)queue << 32 | n);
            int len = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.0.0.1") + (uint)queue, Ipv4.Address("192.168.0.1"),
                (ushort)(1000 + n % 64), 7, seq, frameSize: 64);
            var d = descs[i];
            d->ResetForReceive(pool.Headroom, len, portIndex);
            buf.AsSpan(0, len).CopyTo(new Span<byte>(d->Data, len));
        }
        Interlocked.Add(ref _generated, got);
        var c = Counters.PerQueue[queue];
        c.RxPackets += got;
        c.RxBytes += got * 64;
        return got;
    }
}

/// <summary>Records every sequence number it is sent (from any queue) and frees the packets.</summary>
internal sealed unsafe class SeqSinkPort(string name, int queues, int sourceQueues, int capacityPerQueue) : ManagedPort(name, queues)
{
    private readonly int[][] _seen = Enumerable.Range(0, sourceQueues).Select(_ => new int[capacityPerQueue]).ToArray();
    private long _received, _malformed;

    public override string Kind => "seq-sink";
    public override bool CanReceive => false;
    public override bool CanSend => true;
    public long Received => Interlocked.Read(ref _received);
    public long Malformed => Interlocked.Read(ref _malformed);

    public override int Send(int queue, PacketDesc** descs, int count)
    {
        for (int i = 0; i < count; i++)
        {
            var d = descs[i];
            if (d->Length < SeqGeneratorPort.SeqOffset + 8) { Interlocked.Increment(ref _malformed); continue; }
            long seq = BinaryPrimitives.ReadInt64BigEndian(new ReadOnlySpan<byte>(d->Data + SeqGeneratorPort.SeqOffset, 8));
            int q = (int)(seq >> 32), n = (int)seq;
            if ((uint)q < (uint)_seen.Length && (uint)n < (uint)_seen[q].Length) Interlocked.Increment(ref _seen[q][n]);
            else Interlocked.Increment(ref _malformed);
        }
        Counters.PerQueue[queue].TxPackets += count;
        BufferPools.FreeBulk(descs, count);
        Interlocked.Add(ref _received, count);
        return count;
    }

    /// <summary>(missing, duplicated) over the first <paramref name="generated"/>[q] numbers of each source queue.</summary>
    public (long Missing, long Duplicated) Audit(long[] generated)
    {
        long missing = 0, dup = 0;
        for (int q = 0; q < generated.Length; q++)
            for (long n = 0; n < generated[q]; n++)
            {
                int c = _seen[q][n];
                if (c == 0) missing++;
                else if (c > 1) dup += c - 1;
            }
        return (missing, dup);
    }
}

/// <summary>A port the test feeds frame by frame (into queue 0) and one that captures every frame sent.</summary>
internal sealed unsafe class ScriptPort(string name, int queues, NativePool pool, ushort portIndex) : ManagedPort(name, queues)
{
    public readonly ConcurrentQueue<byte[]> ToSend = new();
    public readonly ConcurrentQueue<byte[]> Captured = new();

    public override string Kind => "script";
    public override bool CanReceive => true;
    public override bool CanSend => true;
    public override bool Exhausted => false;

    public override int Receive(int queue, PacketDesc** descs, int max)
    {
        if (queue != 0 || max == 0 || !ToSend.TryDequeue(out var frame)) return 0;
        if (pool.AllocBulk(descs, 1) != 1) { ToSend.Enqueue(frame); return 0; }
        descs[0]->ResetForReceive(pool.Headroom, frame.Length, portIndex);
        frame.CopyTo(new Span<byte>(descs[0]->Data, frame.Length));
        Counters.PerQueue[queue].RxPackets++;
        return 1;
    }

    public override int Send(int queue, PacketDesc** descs, int count)
    {
        for (int i = 0; i < count; i++) Captured.Enqueue(new ReadOnlySpan<byte>(descs[i]->Data, descs[i]->Length).ToArray());
        Counters.PerQueue[queue].TxPackets += count;
        BufferPools.FreeBulk(descs, count);
        return count;
    }
}
