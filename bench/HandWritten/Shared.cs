using System.Runtime.InteropServices;
using Switchboard.Sdk;

namespace Switchboard.Bench.HandWritten;

/// <summary>
/// bench/native/nf.h ported to C# line by line: header parsing (IPv4), the 5-tuple, the hashes and the
/// open-addressing flow table, over raw mbuf pointers. With the NF ports next to it (<see cref="Ttl"/>,
/// <see cref="Monitor"/>, <see cref="Maglev"/>) it is C's code compiled by .NET's JIT: run by <c>bench native</c>
/// on the same ports as the C loop, it splits a row's gap between the compiler and runtime (this code against C)
/// and Switchboard (the NF against this code). Not an NF: plugins cannot use pointers.
/// </summary>
internal static unsafe class Shared
{
    public const byte ProtoIcmp = 1, ProtoTcp = 6, ProtoUdp = 17;

    /// <summary>rte_pktmbuf_free of one dropped mbuf.</summary>
    public static void Free(nint m) => Switchboard.Host.Ports.Dpdk.DpdkNative.MbufFreeBulk(&m, 1);

    /// <summary>What parsing found in one frame (offsets from the frame's first byte).</summary>
    public struct Parsed
    {
        public byte* P;
        public int Len, Eth, Ip, L4, End;
        public byte Proto, Frag, NonFirst;
        public int Tcp, Udp;
    }

    public static ushort Rd16(byte* p) => (ushort)(p[0] << 8 | p[1]);
    public static uint Rd32(byte* p) => (uint)p[0] << 24 | (uint)p[1] << 16 | (uint)p[2] << 8 | p[3];
    public static void Wr16(byte* p, ushort v) { p[0] = (byte)(v >> 8); p[1] = (byte)v; }
    public static void Wr32(byte* p, uint v) { p[0] = (byte)(v >> 24); p[1] = (byte)(v >> 16); p[2] = (byte)(v >> 8); p[3] = (byte)v; }

    public static bool Parse(PacketDesc* m, Parsed* r, bool wantL4 = false)
    {
        byte* p = m->Buffer + m->DataOffset;
        int len = m->DataLength;
        r->P = p; r->Len = len; r->Eth = 0; r->Ip = -1; r->Tcp = r->Udp = -1;
        if (len < 14) return false;
        int off = 14;
        ushort type = Rd16(p + 12);
        for (int tags = 0; type == 0x8100 || type == 0x88A8; tags++)
        {
            if (tags == 2 || len < off + 4) return false;
            type = Rd16(p + off + 2);
            off += 4;
        }
        r->Eth = 1;
        if (type != 0x0800) return false;
        byte* h = p + off;
        int avail = len - off;
        if (avail < 20 || h[0] >> 4 != 4) return false;
        int ihl = (h[0] & 0xF) * 4;
        if (ihl < 20 || ihl > avail) return false;
        int total = Rd16(h + 2);
        if (total < ihl || total > avail) return false;
        int frag = Rd16(h + 6);
        r->Ip = off; r->L4 = off + ihl; r->End = off + total; r->Proto = h[9];
        r->Frag = (byte)((frag & 0x3FFF) != 0 ? 1 : 0); r->NonFirst = (byte)((frag & 0x1FFF) != 0 ? 1 : 0);
        if (wantL4 && r->NonFirst == 0)
        {
            int room = r->End - r->L4;
            if (r->Proto == ProtoTcp && room >= 20)
            {
                int tl = (p[r->L4 + 12] >> 4) * 4;
                if (tl >= 20 && tl <= room) r->Tcp = r->L4;
            }
            else if (r->Proto == ProtoUdp && room >= 8)
            {
                int ul = Rd16(p + r->L4 + 4);
                if (ul >= 8 && (r->Frag != 0 || ul <= room)) r->Udp = r->L4;
            }
        }
        return true;
    }

    public static ushort ChecksumUpdate(ushort csum, ushort old, ushort @new)
    {
        uint sum = (uint)(ushort)~csum + (ushort)~old + @new;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static ushort ChecksumUpdate32(ushort csum, uint old, uint @new) =>
        ChecksumUpdate(ChecksumUpdate(csum, (ushort)(old >> 16), (ushort)(@new >> 16)), (ushort)old, (ushort)@new);

    [StructLayout(LayoutKind.Sequential)]
    public struct Flow
    {
        public uint Src, Dst;
        public ushort Sport, Dport;
        public byte Proto, Pad0, Pad1, Pad2;
    }

    public static void FlowOf(Parsed* r, Flow* f)
    {
        byte* ip = r->P + r->Ip;
        *f = default;
        f->Src = Rd32(ip + 12); f->Dst = Rd32(ip + 16); f->Proto = r->Proto;
        int end = r->End < r->Len ? r->End : r->Len;
        if (r->Frag == 0 && (r->Proto == ProtoTcp || r->Proto == ProtoUdp) && end - r->L4 >= 4)
        {
            f->Sport = Rd16(r->P + r->L4); f->Dport = Rd16(r->P + r->L4 + 2);
        }
        else if (r->Frag == 0 && r->Proto == ProtoIcmp && end - r->L4 >= 6 && (r->P[r->L4] == 8 || r->P[r->L4] == 0))
        {
            f->Sport = f->Dport = Rd16(r->P + r->L4 + 4);
        }
    }

    public static bool FlowEq(Flow* a, Flow* b) =>
        a->Src == b->Src && a->Dst == b->Dst && a->Sport == b->Sport && a->Dport == b->Dport && a->Proto == b->Proto;

    public static ulong Mix64(ulong x)
    {
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    public static uint FlowSlotHash(Flow* f)
    {
        ulong a = (ulong)f->Src << 32 | f->Dst, b = (ulong)f->Proto << 32 | (uint)f->Sport << 16 | f->Dport;
        return (uint)(Mix64(a ^ (b * 0x9E3779B97F4A7C15UL)) >> 32);
    }

    public static uint FlowKeyHash(Flow* f)
    {
        const ulong mapped = 0x0000FFFF00000000UL;
        ulong h = Mix64(0 ^ Mix64((mapped | f->Src) ^ Mix64(0 ^ Mix64(mapped | f->Dst))));
        h ^= ((ulong)f->Sport << 24) | ((ulong)f->Dport << 8) | f->Proto;
        return (uint)(Mix64(h) >> 32);
    }

    /// <summary>Open addressing, linear probing, power-of-two capacity; values are fixed-size blobs (native memory).</summary>
    public struct FlowTable
    {
        public uint Mask, Count, Limit, ValueSize;
        public byte* Used;
        public Flow* Keys;
        public byte* Values;

        public static FlowTable Create(uint maxFlows, uint valueSize)
        {
            uint cap = 1;
            while (cap < maxFlows * 2) cap <<= 1;
            return new FlowTable
            {
                Mask = cap - 1, Limit = maxFlows, ValueSize = valueSize,
                Used = (byte*)NativeMemory.AllocZeroed(cap),
                Keys = (Flow*)NativeMemory.AllocZeroed(cap, (nuint)sizeof(Flow)),
                Values = (byte*)NativeMemory.AllocZeroed(cap, valueSize),
            };
        }

        public void Free()
        {
            NativeMemory.Free(Used); NativeMemory.Free(Keys); NativeMemory.Free(Values);
            this = default;
        }
    }

    public static void* FlowTableGet(FlowTable* t, Flow* f, bool create, int* created)
    {
        uint i = FlowSlotHash(f) & t->Mask;
        for (;;)
        {
            if (t->Used[i] == 0)
            {
                if (!create || t->Count >= t->Limit) return null;
                t->Used[i] = 1; t->Keys[i] = *f; t->Count++;
                *created = 1;
                return t->Values + (nuint)i * t->ValueSize;
            }
            if (FlowEq(&t->Keys[i], f)) return t->Values + (nuint)i * t->ValueSize;
            i = (i + 1) & t->Mask;
        }
    }

    /// <summary>Undo the entry <see cref="FlowTableGet"/> has just created: nothing was added after it, so it is the end
    /// of its probe chain and clearing it leaves every other key reachable.</summary>
    public static void FlowTableUndoCreate(FlowTable* t, void* value)
    {
        nuint i = (nuint)((byte*)value - t->Values) / t->ValueSize;
        t->Used[i] = 0;
        new Span<byte>(value, (int)t->ValueSize).Clear();
        t->Count--;
    }
}
