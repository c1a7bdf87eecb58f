using System.Runtime.CompilerServices;

namespace Switchboard.Plugins.Lpm;

/// <summary>
/// An immutable DIR-24-8 forwarding table (Gupta, Lin and McKeown, INFOCOM 1998), the structure the
/// thesis' LPM router uses: <c>tbl24</c> has one 16-bit entry per /24; an entry is either a next hop
/// (+1; 0 = no route) or, with the top bit set, the index of a 256-entry <c>tbl8</c> group that
/// resolves the last octet for prefixes longer than /24. A lookup is one or two array reads.
/// <para>Both tables are stored in 32K-entry chunks so a writer can copy only the chunks a route
/// change touches (copy-on-write) and publish a new snapshot without copying 32 MB; chunks never
/// written share one zero chunk. Readers index the chunk array first (4 KB, always cached).</para>
/// </summary>
public sealed class Dir248Fib
{
    /// <summary>Entries per chunk (a /9 of tbl24, or 128 tbl8 groups): 64 KB, below the large-object heap's threshold.</summary>
    internal const int ChunkBits = 15, ChunkSize = 1 << ChunkBits, ChunkMask = ChunkSize - 1, GroupsPerChunkBits = ChunkBits - 8;
    internal const ushort Extended = 0x8000;
    /// <summary>Largest next hop an entry can hold (15 bits, less the "no route" value).</summary>
    public const int MaxNextHop = 0x7FFE;
    /// <summary>How many tbl8 groups a table can have (15-bit group index).</summary>
    public const int MaxGroups = 0x8000;

    internal static readonly ushort[] ZeroChunk = new ushort[ChunkSize];

    internal readonly ushort[][] Tbl24; // 256 chunks
    internal readonly ushort[][] Tbl8;  // MaxGroups / 256 chunks

    internal Dir248Fib(ushort[][] tbl24, ushort[][] tbl8)
    {
        Tbl24 = tbl24;
        Tbl8 = tbl8;
    }

    internal static Dir248Fib Empty()
    {
        var t24 = new ushort[(1 << 24) / ChunkSize][];
        var t8 = new ushort[MaxGroups * 256 / ChunkSize][];
        Array.Fill(t24, ZeroChunk);
        Array.Fill(t8, ZeroChunk);
        return new Dir248Fib(t24, t8);
    }

    /// <summary>The next hop of the longest prefix covering <paramref name="address"/>, or -1 when none does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Lookup(uint address)
    {
        int e = Tbl24[address >> (ChunkBits + 8)][(address >> 8) & ChunkMask];
        if ((e & Extended) != 0)
        {
            int g = e & 0x7FFF;
            e = Tbl8[g >> GroupsPerChunkBits][((g << 8) & ChunkMask) | (int)(address & 0xFF)];
        }
        return e - 1;
    }
}
