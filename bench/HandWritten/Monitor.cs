using Switchboard.Sdk;
using static Switchboard.Bench.HandWritten.Shared;

namespace Switchboard.Bench.HandWritten;

/// <summary>bench/native/nf_monitor.c, line by line: packets and bytes per 5-tuple in a bounded table; every frame passes.</summary>
internal static unsafe class Monitor
{
    private struct Counters { public ulong Packets, Bytes; }
    private static FlowTable s_flows;
    private static ulong s_totalBytes, s_untracked, s_nonIp;

    public static void Init() => s_flows = FlowTable.Create(65536, (uint)sizeof(Counters));
    public static void Free() => s_flows.Free();

    public static int Burst(nint* bufs, int n)
    {
        fixed (FlowTable* flows = &s_flows)
            for (int i = 0; i < n; i++)
            {
                Parsed r;
                if (!Parse((PacketDesc*)bufs[i], &r)) { s_nonIp++; continue; }
                Flow f;
                FlowOf(&r, &f);
                s_totalBytes += (ulong)r.Len;
                int created = 0;
                var c = (Counters*)FlowTableGet(flows, &f, true, &created);
                if (c == null) { s_untracked++; continue; }
                c->Packets++;
                c->Bytes += (ulong)r.Len;
            }
        return n;
    }
}
