using Switchboard.Sdk;
using static Switchboard.Bench.HandWritten.Shared;

namespace Switchboard.Bench.HandWritten;

/// <summary><c>parse_ipv4</c>, <c>ttl_nf</c> and <c>ttl_burst</c> of bench/native/sbnative.c, line by line.</summary>
internal static unsafe class Ttl
{
    public static int Burst(nint* bufs, int n)
    {
        int kept = 0;
        for (int i = 0; i < n; i++)
        {
            if (Keep((PacketDesc*)bufs[i])) bufs[kept++] = bufs[i];
            else Free(bufs[i]);
        }
        return kept;
    }

    private static bool ParseIpv4(byte* p, int len, out byte* ip)
    {
        ip = null;
        if (len < 14) return false;
        int off = 14;
        int type = p[12] << 8 | p[13];
        for (int tags = 0; type == 0x8100 || type == 0x88A8; tags++)
        {
            if (tags == 2 || len < off + 4) return false;
            type = p[off + 2] << 8 | p[off + 3];
            off += 4;
        }
        if (type != 0x0800) return false;
        byte* h = p + off;
        int avail = len - off;
        if (avail < 20 || h[0] >> 4 != 4) return false;
        int ihl = (h[0] & 0xF) * 4;
        if (ihl < 20 || ihl > avail) return false;
        int total = h[2] << 8 | h[3];
        if (total < ihl || total > avail) return false;
        ip = h;
        return true;
    }

    private static bool Keep(PacketDesc* m)
    {
        if (!ParseIpv4(m->Buffer + m->DataOffset, m->DataLength, out byte* ip)) return false;
        if (ip[8] == 0) return false;
        ushort before = (ushort)(ip[8] << 8 | ip[9]);
        ip[8]--;
        ushort after = (ushort)(ip[8] << 8 | ip[9]);
        ushort c = (ushort)(ip[10] << 8 | ip[11]);
        c = ChecksumUpdate(c, before, after);
        ip[10] = (byte)(c >> 8);
        ip[11] = (byte)c;
        return ip[8] != 0;
    }
}
