using System.Runtime.InteropServices;
using Switchboard.Sdk.State;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Listings;

/// <summary>
/// Thesis listing 3 (Maglev) written against the Sdk, to show the programming model expresses it
/// about as briefly: a per-core flow cache, a lookup table in a bounded-consistency store that the
/// control plane can replace, and a group-by with one output per backend.
/// </summary>
public class Listing3MaglevTests
{
    // ---- the NF (cf. listing 3) ----
    private static Pipe[] MaglevNf(Pipe input, NfContext ctx, string[] backends, int lutSize = 65537)
    {
        var lut = ctx.Shared("lut", () => new BoundedConsistencyArray<int>(MaglevTable.Populate(backends, lutSize), 0, StateWriter.ControlPlane));
        var flowCache = new Dictionary<uint, int>(); // per core and unsynchronised, as in the listing
        return input.Parse<Ethernet>().Parse<Ipv4>()
            .ShuffleByFlow()
            .GroupBy(backends.Length, new PickBackend(flowCache, lut));
    }

    private readonly struct PickBackend(Dictionary<uint, int> cache, BoundedConsistencyArray<int> lut) : IGroupBy
    {
        public int Group(Packet p)
        {
            uint hash = FlowKey.HashOf(p);
            ref int backend = ref CollectionsMarshal.GetValueRefOrAddDefault(cache, hash, out bool known);
            if (!known) backend = lut[(int)(hash % (uint)lut.Length)];
            return backend;
        }
    }
    // ---- end of the NF ----

    private static byte[][] Flows(int count, int firstPort = 1000) =>
        Enumerable.Range(0, count).Select(i => Frames.Tcp(sport: (ushort)(firstPort + i), dport: 80)).ToArray();

    [Test]
    public void FlowsSpreadEvenlyAndStickToTheirBackend()
    {
        var h = new GraphHarness();
        string[] backends = ["b0", "b1", "b2"];
        var outs = MaglevNf(h.Input, h.NfContext("maglev"), backends).Select(h.Capture).ToArray();
        var flows = Flows(3000);
        h.Push(flows);
        h.Push(flows); // the same flows again
        h.Poll();

        var perBackend = outs.Select(o => o.Packets.Select(p => Convert.ToHexString(p.Bytes)).ToHashSet()).ToArray();
        Assert.That(outs.Sum(o => o.Packets.Count), Is.EqualTo(6000));
        for (int b = 0; b < 3; b++)
        {
            Assert.That(perBackend[b].Count, Is.InRange(800, 1200), $"backend {b} gets about a third of the flows");
            for (int o = b + 1; o < 3; o++) Assert.That(perBackend[b].Overlaps(perBackend[o]), Is.False, "a flow never changes backend");
        }
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ControlPlaneTableUpdate_EstablishedFlowsStay_NewFlowsAvoidTheRemovedBackend()
    {
        var h = new GraphHarness();
        string[] backends = ["b0", "b1", "b2"];
        var ctx = h.NfContext("maglev");
        var outs = MaglevNf(h.Input, ctx, backends).Select(h.Capture).ToArray();
        var old = Flows(600);
        h.Push(old);
        h.Poll();
        var before = outs.Select(o => o.Packets.Count).ToArray();

        // The control plane (a non-worker thread) removes b2 by publishing a table without it.
        var lut = ctx.Shared<BoundedConsistencyArray<int>>("lut", () => throw new InvalidOperationException("exists"));
        lut.Replace(MaglevTable.Populate(["b0", "b1"], 65537));
        lut.Flush();

        foreach (var o in outs) o.Packets.Clear();
        h.Push(old);
        h.Push(Flows(600, firstPort: 20000));
        h.Poll();
        Assert.That(outs[2].Packets, Has.Count.EqualTo(before[2]), "b2's established flows keep going to b2, and no new flow does");
        Assert.That(outs[0].Packets.Count + outs[1].Packets.Count, Is.EqualTo(1200 - before[2]));
    }

    [Test]
    public void MaglevTableIsBalancedAndMovesFewEntriesWhenABackendGoes()
    {
        var names = Enumerable.Range(0, 10).Select(i => $"backend-{i}").ToArray();
        var full = MaglevTable.Populate(names, 65537);
        var counts = full.GroupBy(x => x).Select(g => g.Count()).ToArray();
        Assert.That(counts, Has.Length.EqualTo(10));
        Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(1), "Maglev fills the table evenly");

        var without = MaglevTable.Populate(names[..9], 65537);
        int moved = full.Zip(without).Count(p => p.First != 9 && p.First != p.Second);
        Assert.That(moved / 65537.0, Is.LessThan(0.05), "minimal disruption: entries of surviving backends rarely move");
    }
}

/// <summary>Maglev lookup-table population (Eisenbud et al., NSDI 2016, §3.4).</summary>
internal static class MaglevTable
{
    public static int[] Populate(IReadOnlyList<string> backends, int size)
    {
        int n = backends.Count;
        var offset = new long[n];
        var skip = new long[n];
        for (int i = 0; i < n; i++)
        {
            offset[i] = (long)(Fnv(backends[i], 0xcbf29ce484222325UL) % (ulong)size);
            skip[i] = (long)(Fnv(backends[i], 0x84222325cbf29ce4UL) % (ulong)(size - 1)) + 1;
        }
        var next = new long[n];
        var table = new int[size];
        Array.Fill(table, -1);
        for (int filled = 0; ;)
        {
            for (int i = 0; i < n; i++)
            {
                long c = (offset[i] + next[i] * skip[i]) % size;
                while (table[c] >= 0) { next[i]++; c = (offset[i] + next[i] * skip[i]) % size; }
                table[c] = i;
                next[i]++;
                if (++filled == size) return table;
            }
        }
    }

    private static ulong Fnv(string s, ulong basis)
    {
        ulong h = basis;
        foreach (char ch in s) { h ^= ch; h *= 0x100000001b3UL; }
        return h;
    }
}
