namespace Switchboard.Bench.HandWritten;

/// <summary>The C twins' NFs ported to C# (see <see cref="Shared"/>), chained as sbnative.c's <c>run_chain</c>.</summary>
internal static unsafe class HandWrittenNfs
{
    public enum Kind { Ttl, Monitor, Maglev, Nat }

    /// <summary>The port of the C twin named <paramref name="cNf"/> (sbnative's --nf), if there is one.</summary>
    public static Kind? Of(string cNf) => cNf switch { "ttl" => Kind.Ttl, "monitor" => Kind.Monitor, "maglev" => Kind.Maglev, "nat" => Kind.Nat, _ => null };

    /// <summary>Set up the NF's tables (kept in statics, as C does); undone by <see cref="Free"/>.</summary>
    public static void Init(Kind nf)
    {
        if (nf == Kind.Monitor) Monitor.Init();
        else if (nf == Kind.Maglev) Maglev.Init();
        else if (nf == Kind.Nat) Nat.Init();
    }

    public static void Free(Kind nf)
    {
        if (nf == Kind.Monitor) Monitor.Free();
        else if (nf == Kind.Maglev) Maglev.Free();
        else if (nf == Kind.Nat) Nat.Free();
    }

    /// <summary>Run <paramref name="chain"/> copies of <paramref name="nf"/> over the burst, each over the whole burst;
    /// returns how many packets are kept (compacted to the front). Dropped mbufs are freed.</summary>
    public static int Chain(Kind nf, nint* bufs, int n, int chain)
    {
        for (int k = 0; k < chain && n > 0; k++)
            n = nf switch { Kind.Ttl => Ttl.Burst(bufs, n), Kind.Monitor => Monitor.Burst(bufs, n), Kind.Maglev => Maglev.Burst(bufs, n), _ => Nat.Burst(bufs, n) };
        return n;
    }
}
