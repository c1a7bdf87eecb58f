using System.Runtime;
using System.Runtime.CompilerServices;
using Switchboard.Sdk.State;

namespace Switchboard.Sdk.Tests.State;

/// <summary>Churn an open-addressing table must survive: backward-shift removal moving flows during a sweep and across
/// the index's end, regrowth after removals, long runs of one home slot, full tables, and values with references that
/// must stay visible to the GC.</summary>
public class FlowTableChurnTests
{
    private static FlowKey Key(int i) => FlowKey.Ipv4(0x0A000000u + (uint)i, 0xC0A80001u, (ushort)(1000 + i), 80, 6);

    /// <summary>Counts how often each flow is offered and removes the ones in a given set.</summary>
    private readonly struct Recorder(Dictionary<FlowKey, int> seen, HashSet<FlowKey> expire) : IFlowPredicate<int>
    {
        public bool Matches(in FlowKey key, ref int value)
        {
            seen[key] = seen.GetValueOrDefault(key) + 1;
            return expire.Contains(key);
        }
    }

    /// <summary>Homes squeezed around the end of the 64 slots in use, so probe runs wrap past slot 63 and removals shift
    /// flows from the array's start back to its end: every flow is still offered exactly once, the matching ones go,
    /// the rest stay findable.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public void RemoveWhere_OffersEachFlowOnce_WhenRemovalsShiftFlowsAcrossTheWrap(int seed)
    {
        var rng = new Random(seed);
        var t = new FlowTable<int>(30); // 64 slots, all in use from the start
        uint HashOf(int i) => (uint)(58 + (i * 7 + seed) % 10) & 63; // homes 58..63 and 0..3
        var keys = Enumerable.Range(0, 30).ToArray();
        foreach (int i in keys) t.GetOrAdd(Key(i), HashOf(i), out _) = i;
        var expire = keys.Where(_ => rng.Next(2) == 0).Select(Key).ToHashSet();
        var seen = new Dictionary<FlowKey, int>();
        var p = new Recorder(seen, expire);

        Assert.That(t.RemoveWhere(ref p), Is.EqualTo(expire.Count));
        Assert.That(seen.Keys, Is.EquivalentTo(keys.Select(Key)));
        Assert.That(seen.Values, Is.All.EqualTo(1), "each flow offered once");
        foreach (int i in keys)
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(i), HashOf(i))), Is.EqualTo(expire.Contains(Key(i))), $"flow {i}");
        Assert.That(t.Count, Is.EqualTo(30 - expire.Count));
    }

    /// <summary>A sweep that removes every flow of one long wrapped run: each removal shifts the rest of the run back.</summary>
    [Test]
    public void RemoveWhere_EmptiesAWrappedRun_SeeingEachFlowOnce()
    {
        var t = new FlowTable<int>(32); // 64 slots, exactly half used when full
        for (int i = 0; i < 32; i++) t.GetOrAdd(Key(i), 50, out _) = i; // one home: slots 50..63, then 0..17
        var seen = new Dictionary<FlowKey, int>();
        var p = new Recorder(seen, Enumerable.Range(0, 32).Where(i => i != 5).Select(Key).ToHashSet());
        Assert.That(t.RemoveWhere(ref p), Is.EqualTo(31));
        Assert.That((seen.Count, seen.Values.Max()), Is.EqualTo((32, 1)));
        Assert.That((t.Count, t.Find(Key(5), 50)), Is.EqualTo((1, 5)));
    }

    /// <summary>Adds and removes against a Dictionary while the slots in use double from 64 to 4 096: each regrowth
    /// re-inserts in place among the holes earlier removals left, with hashes that share their low bits in clusters.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void GrowthAcrossRemovals_AgreesWithADictionary(int seed)
    {
        var rng = new Random(seed);
        var t = new FlowTable<int>(2000);
        var model = new Dictionary<FlowKey, int>();
        uint HashOf(int i) => (uint)(i % 251) * 0x0101_0101u ^ (uint)(i / 251) << 20; // clusters of shared low bits
        for (int step = 0; step < 8000; step++) // plain checks in the loop: NUnit's asserts would dominate the run time
        {
            int i = rng.Next(3000);
            var k = Key(i);
            if (rng.Next(4) == 0)
            {
                if (t.Remove(k, HashOf(i)) != model.Remove(k)) Assert.Fail($"remove of flow {i} at step {step}");
                continue;
            }
            ref int v = ref t.GetOrAdd(k, HashOf(i), out bool added);
            if (Unsafe.IsNullRef(ref v))
            {
                if (model.Count != 2000 || model.ContainsKey(k)) Assert.Fail($"flow {i} refused at step {step} with {model.Count} flows");
                continue;
            }
            if (added == model.ContainsKey(k)) Assert.Fail($"add of flow {i} at step {step}: added {added}");
            v = step;
            model[k] = step;
        }
        Assert.That(t.Count, Is.EqualTo(model.Count));
        Assert.That(model.Count, Is.GreaterThan(1024), "grew to at least 4 096 slots");
        foreach (var (k, v) in model) Assert.That(t.Find(k, HashOf((int)(k.SourceIpv4 - 0x0A000000u))), Is.EqualTo(v));
        var snapshot = t.Snapshot(); // compared by hand: NUnit's EquivalentTo is quadratic on 2 000 pairs
        Assert.That(snapshot, Has.Count.EqualTo(model.Count));
        Assert.That(snapshot.All(x => model.TryGetValue(x.Key, out int v) && v == x.Value), Is.True);
    }

    /// <summary>A run that wrapped past the end of the slots in use when they double: a flow placed at slot 0 with its
    /// home at 62 must still be found once the flows at 62 and 63 move to their new homes in the upper half.</summary>
    [Test]
    public void Growth_KeepsAFlowThatWrappedPastTheEnd_Findable()
    {
        var t = new FlowTable<int>(100); // 64 slots in use, then 128
        uint HashOf(int i) => i switch
        {
            0 => 126, // home 62 now, 126 after growth
            1 => 127, // home 63 now, 127 after growth
            2 => 62,  // home 62 both times: wraps to slot 0 now
            _ => (uint)(i + 5),
        };
        for (int i = 0; i < 40; i++) t.GetOrAdd(Key(i), HashOf(i), out _) = i; // the 33rd flow doubles the slots
        for (int i = 0; i < 40; i++) Assert.That(t.Find(Key(i), HashOf(i)), Is.EqualTo(i), $"flow {i}");
    }

    /// <summary>Runs wrapping past the end at every doubling (64 to 512 slots in use), random otherwise: after each
    /// add every flow is still found.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Growth_WithRunsWrappingPastTheEnd_LosesNoFlow(int seed)
    {
        var rng = new Random(seed);
        var t = new FlowTable<int>(250);
        var hashes = new List<uint>();
        for (int i = 0; i < 250; i++)
        {
            int size = hashes.Count < 32 ? 64 : hashes.Count < 64 ? 128 : hashes.Count < 128 ? 256 : 512;
            uint h = (uint)rng.Next() & ~(uint)(size - 1) | (uint)(size - 1 - rng.Next(4)); // the last 4 homes
            if (rng.Next(3) == 0) h = (uint)rng.Next();
            hashes.Add(h);
            t.GetOrAdd(Key(i), h, out _) = i;
            for (int j = 0; j <= i; j++) Assert.That(t.Find(Key(j), hashes[j]), Is.EqualTo(j), $"flow {j} after adding {i}");
        }
    }

    /// <summary>Flows with one and the same hash: equal tags, so only the key compare tells them apart, through one run
    /// as long as the table, regrown three times, thinned by removals and a sweep.</summary>
    [Test]
    public void ManyFlowsSharingOneHash_AreToldApartByTheirKeys()
    {
        var t = new FlowTable<int>(200);
        const uint hash = 0xDEAD_BEEF;
        for (int i = 0; i < 200; i++)
        {
            t.GetOrAdd(Key(i), hash, out bool added) = i;
            Assert.That(added, Is.True, $"flow {i}");
        }
        Assert.That(Unsafe.IsNullRef(ref t.GetOrAdd(Key(200), hash, out _)), Is.True, "full");
        for (int i = 0; i < 200; i++) Assert.That(t.Find(Key(i), hash), Is.EqualTo(i));
        for (int i = 0; i < 200; i += 4) Assert.That(t.Remove(Key(i), hash), Is.True);
        var seen = new Dictionary<FlowKey, int>();
        var p = new Recorder(seen, Enumerable.Range(0, 200).Where(i => i % 4 == 1).Select(Key).ToHashSet());
        Assert.That(t.RemoveWhere(ref p), Is.EqualTo(50));
        Assert.That((seen.Count, seen.Values.Max()), Is.EqualTo((150, 1)));
        for (int i = 0; i < 200; i++)
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(i), hash)), Is.EqualTo(i % 4 < 2), $"flow {i}");
        Assert.That(t.Count, Is.EqualTo(100));
    }

    /// <summary>A full table still has empty slots (at most half are used), so lookups of unknown flows end, whatever
    /// their home; a removal makes room for exactly one more.</summary>
    [TestCase(1)]
    [TestCase(32)]
    [TestCase(33)]
    public void FullTable_RefusesNewFlows_AndStillAnswersLookups(int capacity)
    {
        var t = new FlowTable<long>(capacity);
        for (int i = 0; i < capacity; i++) t.GetOrAdd(Key(i), (uint)i * 0x9E3779B1u, out _) = i;
        Assert.That(t.Count, Is.EqualTo(capacity));
        for (uint h = 0; h < 256; h++)
        {
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(-1), h)), Is.True);
            Assert.That(Unsafe.IsNullRef(ref t.GetOrAdd(Key(-1), h, out bool added)) && !added, Is.True);
        }
        Assert.That(t.Remove(Key(0), 0), Is.True);
        Assert.That(t.TryGetOrAdd(Key(-1), 7, out bool fresh, out _) && fresh, Is.True);
        Assert.That(t.TryGetOrAdd(Key(-2), 7, out _, out _), Is.False);
        for (int i = 1; i < capacity; i++) Assert.That(t.Find(Key(i), (uint)i * 0x9E3779B1u), Is.EqualTo(i));
    }

    /// <summary>Values holding references live in an ordinary (movable) array the GC scans: they survive compacting
    /// collections through regrowth and removals, and a reference to a value stays usable across a collection.</summary>
    [Test]
    public void ValuesWithReferences_SurviveCompactingCollections_ThroughGrowthAndRemovals()
    {
        var t = new FlowTable<(string Name, int[] Hits)>(1000);
        static string Name(int i) => "flow-" + i;
        for (int i = 0; i < 1000; i++)
        {
            t.GetOrAdd(Key(i), Key(i).TableHash(), out _) = (Name(i), new int[i % 5 + 1]);
            if (i % 100 == 0) Compact();
        }
        for (int i = 0; i < 1000; i += 3) Assert.That(t.Remove(Key(i), Key(i).TableHash()), Is.True);
        Compact();
        ref var v = ref t.Find(Key(1), Key(1).TableHash());
        Compact();
        v.Name = Name(-1); // through a reference taken before the collection (which moved the array)
        Compact();
        Assert.That(t.Find(Key(1), Key(1).TableHash()).Name, Is.EqualTo(Name(-1)));
        for (int i = 2; i < 1000; i++)
        {
            ref var e = ref t.Find(Key(i), Key(i).TableHash());
            if (i % 3 == 0) { Assert.That(Unsafe.IsNullRef(ref e), Is.True); continue; }
            Assert.That((e.Name, e.Hits.Length), Is.EqualTo((Name(i), i % 5 + 1)), $"flow {i}");
        }
    }

    /// <summary>After <see cref="FlowTable{TValue}.Clear"/> the slots in use start small again and grow as before.</summary>
    [Test]
    public void Clear_ThenRefill_FindsEveryFlowAgain()
    {
        var t = new FlowTable<int>(500);
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 500; i++) t.GetOrAdd(Key(i + round), Key(i + round).TableHash(), out _) = i * round;
            for (int i = 0; i < 500; i++) Assert.That(t.Find(Key(i + round), Key(i + round).TableHash()), Is.EqualTo(i * round));
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(round - 1), Key(round - 1).TableHash())), Is.True);
            t.Clear();
            Assert.That(t.Count, Is.Zero);
            Assert.That(t.Snapshot(), Is.Empty);
        }
    }

    private static void Compact()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
