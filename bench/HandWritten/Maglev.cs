using Switchboard.Sdk;
using static Switchboard.Bench.HandWritten.Shared;

namespace Switchboard.Bench.HandWritten;

/// <summary>bench/native/nf_maglev.c, line by line: the paper's table population (65 537 entries), a per-flow
/// connection cache, the destination MAC rewritten to the backend's.</summary>
internal static unsafe class Maglev
{
    private const int TableSize = 65537, Backends = 8;
    private static readonly string[] s_names = ["web-1", "web-2", "web-3", "web-4", "web-5", "web-6", "web-7", "web-8"];
    private static readonly int[] s_weights = [1, 1, 2, 1, 1, 1, 2, 1];
    private static int* s_table;
    private static FlowTable s_cache;
    private struct Cached { public int Backend; public uint LastSeen; }

    private static ulong NameHash(string s, ulong h)
    {
        foreach (char ch in s) { h ^= (byte)ch; h *= 0x100000001b3UL; }
        return Mix64(h);
    }

    public static void Init()
    {
        s_table = (int*)System.Runtime.InteropServices.NativeMemory.Alloc(TableSize, sizeof(int));
        long* offset = stackalloc long[Backends], skip = stackalloc long[Backends], next = stackalloc long[Backends];
        for (int i = 0; i < TableSize; i++) s_table[i] = -1;
        for (int i = 0; i < Backends; i++)
        {
            offset[i] = (long)(NameHash(s_names[i], 0xcbf29ce484222325UL) % TableSize);
            skip[i] = (long)(NameHash(s_names[i], 0x6c62272e07bb0142UL) % (TableSize - 1)) + 1;
            next[i] = 0;
        }
        for (int filled = 0; ;)
            for (int i = 0; i < Backends; i++)
                for (int turn = 0; turn < s_weights[i]; turn++)
                {
                    long c = (offset[i] + next[i] * skip[i]) % TableSize;
                    while (s_table[c] >= 0) { next[i]++; c = (offset[i] + next[i] * skip[i]) % TableSize; }
                    s_table[c] = i;
                    next[i]++;
                    if (++filled == TableSize) { s_cache = FlowTable.Create(65536, (uint)sizeof(Cached)); return; }
                }
    }

    public static void Free()
    {
        s_cache.Free();
        System.Runtime.InteropServices.NativeMemory.Free(s_table);
        s_table = null;
    }

    public static int Burst(nint* bufs, int n)
    {
        int kept = 0;
        fixed (FlowTable* cache = &s_cache)
            for (int i = 0; i < n; i++)
            {
                var m = (PacketDesc*)bufs[i];
                Parsed r;
                if (!Parse(m, &r)) { Shared.Free(bufs[i]); continue; } // no IP: no flow to balance
                Flow f;
                FlowOf(&r, &f);
                int created = 0;
                var c = (Cached*)FlowTableGet(cache, &f, true, &created);
                int backend;
                if (c != null && created == 0) backend = c->Backend;
                else
                {
                    uint pos = (uint)(((ulong)(uint)(FlowKeyHash(&f) * 0x9E3779B1u) * TableSize) >> 32);
                    backend = s_table[pos];
                    if (c != null) { c->Backend = backend; c->LastSeen = 0; }
                }
                byte* mac = r.P; // destination MAC 02:00:00:00:01:0k
                mac[0] = 0x02; mac[1] = 0; mac[2] = 0; mac[3] = 0; mac[4] = 0x01; mac[5] = (byte)(backend + 1);
                bufs[kept++] = bufs[i];
            }
        return kept;
    }
}
