using System.Numerics;
using System.Runtime.InteropServices;
using Switchboard.Sdk;
using static Switchboard.Bench.HandWritten.Shared;

namespace Switchboard.Bench.HandWritten;

/// <summary>bench/native/nf_nat.c, line by line: SNAT of 10.0.0.0/8 to 203.0.113.1 with PortBlock's allocation
/// and RFC 1624 checksum updates; replies translated back; fragments dropped.</summary>
internal static unsafe class Nat
{
    private const uint InsideNet = 0x0A000000u, InsideMask = 0xFF000000u, PublicAddr = 0xCB007101u;
    private const int PortMin = 1024, PortCount = 65535 - 1024 + 1, MaxMappings = 65536, Words = (PortCount + 63) / 64;

    private struct Mapping { public uint Inside, Remote; public ushort InsidePort, RemotePort, PublicPort; public byte Proto, InUse; }
    private struct OutValue { public int Slot; }
    private struct PortBlock { public fixed ulong Taken[Words]; public fixed int Slot[PortCount]; public int Cursor, Used; }

    private static FlowTable s_out;
    private static Mapping* s_maps;
    private static int s_nextSlot;
    private static PortBlock* s_blocks; // TCP, UDP

    public static void Init()
    {
        s_maps = (Mapping*)NativeMemory.AllocZeroed(MaxMappings, (nuint)sizeof(Mapping));
        s_blocks = (PortBlock*)NativeMemory.AllocZeroed(2, (nuint)sizeof(PortBlock));
        s_nextSlot = 0;
        // C's #if PORT_COUNT % 64 (marking bits past the end taken) is false: 64 512 ports fill the words exactly.
        s_out = FlowTable.Create(MaxMappings, (uint)sizeof(OutValue));
    }

    public static void Free()
    {
        s_out.Free();
        NativeMemory.Free(s_maps);
        NativeMemory.Free(s_blocks);
        s_maps = null;
        s_blocks = null;
    }

    private static bool IsTaken(PortBlock* b, int i) => ((b->Taken[i >> 6] >> (i & 63)) & 1) != 0;

    private static int Allocate(PortBlock* b, int preferred, int slot)
    {
        if (b->Used == PortCount) return -1;
        int i = preferred - PortMin;
        if ((uint)i >= PortCount || IsTaken(b, i))
        {
            int w = b->Cursor >> 6;
            ulong free = ~b->Taken[w] & (~0UL << (b->Cursor & 63));
            while (free == 0) { w = w + 1 == Words ? 0 : w + 1; free = ~b->Taken[w]; }
            i = (w << 6) + BitOperations.TrailingZeroCount(free);
            b->Cursor = i + 1 == PortCount ? 0 : i + 1;
        }
        b->Taken[i >> 6] |= 1UL << (i & 63);
        b->Slot[i] = slot;
        b->Used++;
        return PortMin + i;
    }

    private static void Rewrite(Parsed* r, bool source, uint addr, ushort port)
    {
        byte* ip = r->P + r->Ip;
        byte* a = ip + (source ? 12 : 16);
        uint old = Rd32(a);
        Wr32(a, addr);
        Wr16(ip + 10, ChecksumUpdate32(Rd16(ip + 10), old, addr));
        byte* l4 = r->P + r->L4;
        byte* pp = l4 + (source ? 0 : 2);
        ushort oldPort = Rd16(pp);
        Wr16(pp, port);
        if (r->Proto == ProtoTcp) Wr16(l4 + 16, ChecksumUpdate(ChecksumUpdate32(Rd16(l4 + 16), old, addr), oldPort, port));
        else if (Rd16(l4 + 6) != 0)
        {
            ushort c = ChecksumUpdate(ChecksumUpdate32(Rd16(l4 + 6), old, addr), oldPort, port);
            Wr16(l4 + 6, c == 0 ? (ushort)0xFFFF : c);
        }
    }

    private static bool Packet(PacketDesc* m)
    {
        Parsed r;
        if (!Parse(m, &r, wantL4: true)) return true; // not IPv4: passes
        byte* ip = r.P + r.Ip;
        uint src = Rd32(ip + 12), dst = Rd32(ip + 16);
        bool tcp = r.Proto == ProtoTcp, udp = r.Proto == ProtoUdp;
        if (dst == PublicAddr)
        {
            if (r.Frag != 0) return false;
            if (!tcp && !udp) return false;
            if ((tcp ? r.Tcp : r.Udp) < 0) return false;
            PortBlock* b = &s_blocks[tcp ? 0 : 1];
            ushort sport = Rd16(r.P + r.L4), dport = Rd16(r.P + r.L4 + 2);
            int i = dport - PortMin;
            if ((uint)i >= PortCount || !IsTaken(b, i)) return false;
            Mapping* mp = &s_maps[b->Slot[i]];
            if (mp->Remote != src || mp->RemotePort != sport) return false;
            Rewrite(&r, false, mp->Inside, mp->InsidePort);
            return true;
        }
        if ((src & InsideMask) != InsideNet || (dst & InsideMask) == InsideNet) return true;
        if (r.Frag != 0) return false;
        if (!tcp && !udp) return false;
        if ((tcp ? r.Tcp : r.Udp) < 0) return false;
        Flow f = default;
        f.Src = src; f.Dst = dst; f.Proto = r.Proto;
        f.Sport = Rd16(r.P + r.L4); f.Dport = Rd16(r.P + r.L4 + 2);
        int created = 0;
        fixed (FlowTable* table = &s_out)
        {
            var v = (OutValue*)FlowTableGet(table, &f, true, &created);
            if (v == null) return false; // table full
            if (created != 0)
            {
                // No mapping (ports or slots exhausted): the entry goes too, so the flow's next packet tries again.
                if (s_nextSlot == MaxMappings) { FlowTableUndoCreate(table, v); return false; }
                int slot = s_nextSlot;
                int port = Allocate(&s_blocks[tcp ? 0 : 1], f.Sport, slot);
                if (port < 0) { FlowTableUndoCreate(table, v); return false; }
                s_nextSlot++;
                s_maps[slot] = new Mapping { Inside = f.Src, Remote = f.Dst, InsidePort = f.Sport, RemotePort = f.Dport, PublicPort = (ushort)port, Proto = f.Proto, InUse = 1 };
                v->Slot = slot;
            }
            Rewrite(&r, true, PublicAddr, s_maps[v->Slot].PublicPort);
        }
        return true;
    }

    public static int Burst(nint* bufs, int n)
    {
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (Packet((PacketDesc*)bufs[i])) bufs[kept++] = bufs[i];
            else Shared.Free(bufs[i]);
        }
        return kept;
    }
}
