using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk;

/// <summary>Where packetize puts the packets it builds (the node that emits them downstream).</summary>
internal unsafe interface IPacketSink
{
    void Add(PacketDesc* d);
}

/// <summary>
/// A flow's header stack for packetize: Ethernet/IP/TCP bytes from offset 0 up to the end of the
/// fixed TCP header (options are dropped), plus the parse kinds to re-push on each new packet.
/// </summary>
internal readonly ref struct SegmentTemplate(ReadOnlySpan<byte> headers, int l3, int l4, ReadOnlySpan<byte> kinds, ushort port)
{
    public readonly ReadOnlySpan<byte> Headers = headers;
    public readonly int L3 = l3, L4 = l4;
    public readonly ReadOnlySpan<byte> Kinds = kinds;
    public readonly ushort Port = port;
}

/// <summary>
/// Packetize (thesis 3.1.1): cut bytes into TCP segments of at most MSS payload bytes behind a
/// header template, with IPv4 total length/ID/checksum (or IPv6 payload length) and TCP
/// sequence/ack/flags/checksum written, buffers taken in bulk from the core's pool, and the header
/// stack re-parsed so downstream nodes see the same parsed headers as on the original packets.
/// </summary>
internal static unsafe class SegmentWriter
{
    private const int AllocChunk = 32;

    /// <summary>Copy a parsed packet's headers (up to its TCP header) into <paramref name="dest"/>.
    /// False when the packet has no IP+TCP stack or the headers do not fit.</summary>
    public static bool TryCapture(PacketDesc* d, Span<byte> dest, Span<byte> kinds, out int length, out int l3, out int l4, out int kindCount)
    {
        length = l3 = l4 = kindCount = 0;
        ref var h = ref d->Headers;
        int tcpIndex = -1;
        for (int i = 0; i < h.Depth; i++)
            if (h.Kinds[i] == (byte)HeaderKind.Tcp) { tcpIndex = i; break; }
        if (tcpIndex < 1) return false;
        var ipKind = (HeaderKind)h.Kinds[tcpIndex - 1];
        if (ipKind is not (HeaderKind.Ipv4 or HeaderKind.Ipv6) || tcpIndex + 1 > kinds.Length) return false;
        l3 = h.Offsets[tcpIndex - 1];
        l4 = h.Offsets[tcpIndex];
        length = l4 + Tcp.MinSize;
        if (length > dest.Length || length > d->Length) return false;
        new ReadOnlySpan<byte>(d->Data, length).CopyTo(dest);
        for (int i = 0; i <= tcpIndex; i++) kinds[i] = h.Kinds[i];
        kindCount = tcpIndex + 1;
        return true;
    }

    /// <summary>
    /// Segment <paramref name="data"/> behind <paramref name="t"/> starting at <paramref name="seq"/>;
    /// every segment gets <paramref name="flags"/>, the last also <paramref name="lastFlags"/> (a bare
    /// segment is sent for empty data when <paramref name="lastFlags"/> is set, e.g. a FIN).
    /// Returns the payload bytes sent; segments that could not be built are added to <paramref name="failed"/>.
    /// </summary>
    public static int Write(IBufferPool? pool, in SegmentTemplate t, ReadOnlySpan<byte> data, uint seq, uint ack, ushort window,
        byte flags, byte lastFlags, int mss, ref ushort ipId, IPacketSink sink, ref long failed)
    {
        int hdr = t.L4 + Tcp.MinSize;
        bool bare = data.IsEmpty && lastFlags != 0;
        if (pool is null) { failed += bare ? 1 : (data.Length + mss - 1) / mss; return 0; }
        PacketDesc** ds = stackalloc PacketDesc*[AllocChunk];
        int pos = 0;
        while (pos < data.Length || bare)
        {
            int remaining = data.Length - pos;
            int want = bare ? 1 : Math.Min(AllocChunk, (remaining + mss - 1) / mss);
            int got = pool.AllocBulk(ds, want);
            int used = 0;
            for (; used < got && (pos < data.Length || bare); used++)
            {
                var d = ds[used];
                remaining = data.Length - pos;
                int chunk = Math.Min(mss, remaining);
                int headroom = Math.Min(NativePool.DefaultHeadroom, Math.Max(0, d->Capacity - hdr - chunk));
                chunk = Math.Min(chunk, d->Capacity - headroom - hdr);
                if (chunk <= 0 && !bare) break; // buffers too small for any payload
                bool last = chunk == remaining;
                if (Build(d, t, data.Slice(pos, chunk), seq + (uint)pos, ack, window, last ? (byte)(flags | lastFlags) : flags, headroom, ipId++))
                    sink.Add(d);
                else { BufferPools.FreeBulk(&d, 1); failed++; }
                pos += chunk;
                bare = false;
            }
            if (used < got) BufferPools.FreeBulk(ds + used, got - used);
            if (used == 0 || got < want && pos < data.Length)
            {
                if (pos < data.Length || bare) failed += bare ? 1 : (data.Length - pos + mss - 1) / mss;
                break;
            }
        }
        return pos;
    }

    private static bool Build(PacketDesc* d, in SegmentTemplate t, ReadOnlySpan<byte> chunk, uint seq, uint ack, ushort window,
        byte flags, int headroom, ushort ipId)
    {
        int hdr = t.L4 + Tcp.MinSize;
        int len = hdr + chunk.Length;
        d->ResetForReceive(headroom, len, t.Port);
        var p = new Span<byte>(d->Data, len);
        t.Headers.CopyTo(p);
        chunk.CopyTo(p[hdr..]);
        int tcpLen = Tcp.MinSize + chunk.Length;
        var ip = p[t.L3..];
        uint pseudo;
        if (ip[0] >> 4 == 4)
        {
            int ihl = (ip[0] & 0xF) * 4;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(len - t.L3));
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], ipId);
            ip[6] &= 0x40; // keep DF; a new segment is never a fragment
            ip[7] = 0;
            ip[10] = ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..ihl]));
            pseudo = Checksum.PseudoHeaderV4(BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), Ipv4.ProtoTcp, tcpLen);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(len - t.L3 - Ipv6.Size));
            pseudo = Checksum.PseudoHeaderV6(MemoryMarshal.Read<Ipv6Address>(ip[8..]), MemoryMarshal.Read<Ipv6Address>(ip[24..]), Ipv4.ProtoTcp, tcpLen);
        }
        var tcp = p[t.L4..];
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = (Tcp.MinSize / 4) << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], window);
        tcp[16] = tcp[17] = tcp[18] = tcp[19] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Fold(Checksum.Sum(tcp[..tcpLen], pseudo)));
        for (int i = 0; i < t.Kinds.Length; i++)
            if (HeaderParser.Parse(d, (HeaderKind)t.Kinds[i]) != ParseStatus.Ok) return false;
        return true;
    }
}
