using Switchboard.Plugins.Lpm;
using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Tests.Lpm;

public class LpmTableTests
{
    /// <summary>The obvious longest-prefix match: try every route.</summary>
    private static int NaiveLookup(IEnumerable<Route> routes, uint address)
    {
        int bestLen = -1, hop = -1;
        foreach (var r in routes)
        {
            uint mask = r.Length == 0 ? 0 : uint.MaxValue << (32 - r.Length);
            if ((address & mask) == r.Prefix && r.Length > bestLen) { bestLen = r.Length; hop = r.NextHop; }
        }
        return hop;
    }

    private static Route RandomRoute(Random rng)
    {
        // Lengths weighted towards the interesting cases: > /24 (tbl8), /24 edges, /0 and /32.
        int len = rng.Next(100) switch
        {
            0 => 0,
            < 3 => rng.Next(1, 8),   // short prefixes repaint millions of entries: keep them few
            < 15 => 32,
            < 45 => rng.Next(25, 32),
            < 60 => 24,
            _ => rng.Next(8, 24),
        };
        // Cluster prefixes in a few /8s so they overlap.
        uint addr = (uint)(rng.Next(3) + 10) << 24 | (uint)rng.Next(1 << 24);
        if (rng.Next(4) == 0) addr = (10u << 24) | (uint)rng.Next(4) << 8 | (uint)rng.Next(256); // dense around 10.0.0.0/22
        uint mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
        return new Route(addr & mask, len, rng.Next(Dir248Fib.MaxNextHop + 1));
    }

    /// <summary>Addresses worth probing: each route's first and last address and their neighbours, plus random ones.</summary>
    private static IEnumerable<uint> Probes(IEnumerable<Route> routes, Random rng)
    {
        foreach (var r in routes)
        {
            uint last = r.Prefix | (r.Length == 0 ? uint.MaxValue : ~(uint.MaxValue << (32 - r.Length)));
            yield return r.Prefix;
            yield return last;
            yield return r.Prefix - 1;
            yield return last + 1;
            yield return r.Prefix + (uint)rng.Next(256);
        }
        for (int i = 0; i < 2000; i++) yield return (uint)rng.Next(3) + 10 << 24 | (uint)rng.Next(1 << 24);
        for (int i = 0; i < 500; i++) yield return (uint)rng.NextInt64(1L << 32);
    }

    private static void AssertAgrees(LpmTable table, IEnumerable<Route> routes, Random rng, string when)
    {
        var list = routes.ToList();
        foreach (uint a in Probes(list, rng))
        {
            int expected = NaiveLookup(list, a), actual = table.Lookup(a);
            if (expected != actual)
                Assert.Fail($"{when}: {Sdk.Ipv4.Format(a)} -> {actual}, naive says {expected}");
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void MatchesNaiveLpmThroughRandomAddsAndRemoves(int seed)
    {
        var rng = new Random(seed);
        var rib = new Dictionary<(uint, int), Route>();
        var initial = Enumerable.Range(0, 300).Select(_ => RandomRoute(rng)).ToList();
        foreach (var r in initial) rib[(r.Prefix, r.Length)] = r; // later duplicates win, as in the table
        var table = new LpmTable(initial);
        AssertAgrees(table, rib.Values, rng, "initial");

        for (int round = 0; round < 6; round++)
        {
            for (int k = 0; k < 40; k++)
            {
                if (rng.Next(2) == 0 && rib.Count > 0)
                {
                    var victim = rib.Values.ElementAt(rng.Next(rib.Count));
                    Assert.That(table.Remove(victim.Prefix, victim.Length), Is.True);
                    rib.Remove((victim.Prefix, victim.Length));
                }
                else
                {
                    var r = RandomRoute(rng);
                    table.Add(r);
                    rib[(r.Prefix, r.Length)] = r;
                }
            }
            AssertAgrees(table, rib.Values, rng, $"round {round}");
        }
        Assert.That(table.Count, Is.EqualTo(rib.Count));
    }

    [Test]
    public void RemovingEveryLongPrefixFreesItsTbl8Groups()
    {
        var table = new LpmTable([new Route(0x0A000000, 8, 1)]);
        for (uint i = 0; i < 50; i++) table.Add(new Route(0x0A000000 | i << 8 | 0x80, 25, 2));
        table.Add(new Route(0x0A000005, 32, 3));
        Assert.That(table.GroupsInUse, Is.EqualTo(50));
        Assert.That(table.Lookup(0x0A000005), Is.EqualTo(3));
        Assert.That(table.Lookup(0x0A000081), Is.EqualTo(2));
        for (uint i = 0; i < 50; i++) Assert.That(table.Remove(0x0A000000 | i << 8 | 0x80, 25), Is.True);
        Assert.That(table.GroupsInUse, Is.EqualTo(1), "only the /32's group is left");
        Assert.That(table.Remove(0x0A000005, 32), Is.True);
        Assert.That(table.GroupsInUse, Is.Zero);
        Assert.That(table.Lookup(0x0A000005), Is.EqualTo(1), "the /8 covers it again");
        Assert.That(table.Remove(0x0A000005, 32), Is.False, "already gone");
    }

    [Test]
    public void DefaultRouteAndHostRoute()
    {
        var table = new LpmTable([new Route(0, 0, 7), new Route(0xC0A80101, 32, 9)]);
        Assert.That(table.Lookup(0x01020304), Is.EqualTo(7));
        Assert.That(table.Lookup(0xC0A80101), Is.EqualTo(9));
        Assert.That(table.Lookup(0xC0A80102), Is.EqualTo(7));
        Assert.That(table.Remove(0, 0), Is.True);
        Assert.That(table.Lookup(0x01020304), Is.EqualTo(-1));
        Assert.That(table.Lookup(0xC0A80101), Is.EqualTo(9));
    }

    [Test]
    public void ReadersSeeChangesOnlyOnceMoreThanBoundArePendingOrFlushed()
    {
        var table = new LpmTable([], bound: 2);
        var before = table.Fib;
        table.Add(new Route(0x0A000000, 8, 1));
        table.Add(new Route(0x0B000000, 8, 2));
        Assert.That(table.Lookup(0x0A010101), Is.EqualTo(-1), "two changes are within the bound");
        Assert.That(table.Fib, Is.SameAs(before));
        table.Add(new Route(0x0C000000, 8, 3));
        Assert.That(table.Lookup(0x0A010101), Is.EqualTo(1));
        Assert.That(table.Lookup(0x0C010101), Is.EqualTo(3));
        table.Remove(0x0A000000, 8);
        Assert.That(table.Lookup(0x0A010101), Is.EqualTo(1), "not yet published");
        table.Flush();
        Assert.That(table.Lookup(0x0A010101), Is.EqualTo(-1));
        Assert.That(before.Lookup(0x0C010101), Is.EqualTo(-1), "an old snapshot never changes (copy-on-write)");
    }

    [Test]
    public void OnlyTheWriterMayChangeRoutes()
    {
        var table = new LpmTable([new Route(0x0A000000, 8, 1)], writer: 0); // core 0 writes; the test thread is not core 0
        Assert.That(() => table.Add(new Route(0x0B000000, 8, 2)), Throws.InvalidOperationException);
        Assert.That(table.Lookup(0x0B000001), Is.EqualTo(-1));
        Assert.That(table.Count, Is.EqualTo(1), "a refused write leaves the table untouched");
    }

    [Test]
    public void BadRoutesAreRejected()
    {
        var table = new LpmTable([]);
        Assert.That(() => table.Add(new Route(0x0A000001, 8, 1)), Throws.ArgumentException.With.Message.Contains("10.0.0.0/8"));
        Assert.That(() => table.Add(new Route(0, 33, 1)), Throws.ArgumentException);
        Assert.That(() => table.Add(new Route(0, 0, Dir248Fib.MaxNextHop + 1)), Throws.ArgumentException);
        Assert.That(table.Count, Is.Zero);
        _ = StateWriter.ControlPlane;
    }
}
