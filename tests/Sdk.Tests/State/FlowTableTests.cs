using System.Runtime.CompilerServices;
using Switchboard.Sdk.State;

namespace Switchboard.Sdk.Tests.State;

public class FlowTableTests
{
    private static FlowKey Key(int i) => FlowKey.Ipv4(0x0A000000u + (uint)i, 0xC0A80001u, (ushort)(1000 + i), 80, 6);

    [Test]
    public void GetOrAdd_AddsOnce_ThenFindsTheSameValue()
    {
        var t = new FlowTable<int>(16);
        var k = Key(1);
        ref int v = ref t.GetOrAdd(k, k.Hash(), out bool added);
        Assert.That(added, Is.True);
        v = 42;
        ref int again = ref t.GetOrAdd(k, k.Hash(), out added);
        Assert.That((added, again, t.Count), Is.EqualTo((false, 42, 1)));
        Assert.That(t.Find(k, k.Hash()), Is.EqualTo(42));
        Assert.That(Unsafe.IsNullRef(ref t.Find(Key(2), Key(2).Hash())), Is.True);
    }

    [Test]
    public void KeysDifferingInAnyOneField_AreDifferentFlows_EvenWithTheSameHash()
    {
        var k = new FlowKey(0x20010DB800000001, 2, 0x20010DB800000003, 4, 5, 6, 17);
        FlowKey[] others =
        [
            k with { SourceHigh = 9 }, k with { SourceLow = 9 }, k with { DestinationHigh = 9 }, k with { DestinationLow = 9 },
            k with { SourcePort = 9 }, k with { DestinationPort = 9 }, k with { Protocol = 6 },
        ];
        var t = new FlowTable<int>(16);
        t.GetOrAdd(k, 7, out _) = -1;
        for (int i = 0; i < others.Length; i++)
        {
            t.GetOrAdd(others[i], 7, out bool added) = i; // one hash for all: only the key compare tells them apart
            Assert.That(added, Is.True, others[i].ToString());
        }
        Assert.That(t.Find(k, 7), Is.EqualTo(-1));
        for (int i = 0; i < others.Length; i++) Assert.That(t.Find(others[i], 7), Is.EqualTo(i));
    }

    /// <summary>The index holds each flow's hash next to its entry number: flows whose hashes share a home slot (equal
    /// low bits) but differ above them are told apart in the index, and stay findable as the index grows (re-homing
    /// them by more bits) and as flows of the run are removed.</summary>
    [Test]
    public void FlowsSharingAHomeSlot_DifferentHashes_SurviveGrowthAndRemovals()
    {
        var t = new FlowTable<int>(200);
        uint HashOf(int i) => 5u | (uint)i << 16; // home 5 until the index has 64 K slots; differ only in the high bits
        for (int i = 0; i < 150; i++) t.GetOrAdd(Key(i), HashOf(i), out _) = i; // 64 slots grow to 512 on the way
        for (int i = 0; i < 150; i++) Assert.That(t.Find(Key(i), HashOf(i)), Is.EqualTo(i), $"flow {i}");
        Assert.That(Unsafe.IsNullRef(ref t.Find(Key(3), HashOf(4))), Is.True, "the right key under another flow's hash is not found");
        for (int i = 0; i < 150; i += 3) Assert.That(t.Remove(Key(i), HashOf(i)), Is.True);
        for (int i = 0; i < 150; i++)
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(i), HashOf(i))), Is.EqualTo(i % 3 == 0), $"flow {i}");
        t.GetOrAdd(Key(0), HashOf(0), out bool added) = 1000;
        Assert.That((added, t.Find(Key(0), HashOf(0)), t.Count), Is.EqualTo((true, 1000, 101)));
    }

    [Test]
    public void WhenFull_NewFlowsAreRefused_KnownOnesStillFound()
    {
        var t = new FlowTable<int>(4);
        for (int i = 0; i < 4; i++) t.GetOrAdd(Key(i), Key(i).Hash(), out _) = i;
        ref int refused = ref t.GetOrAdd(Key(9), Key(9).Hash(), out bool added);
        Assert.That(added, Is.False);
        Assert.That(Unsafe.IsNullRef(ref refused), Is.True);
        Assert.That(t.TryGetOrAdd(Key(9), Key(9).Hash(), out _, out _), Is.False);
        Assert.That(t.TryGetOrAdd(Key(3), Key(3).Hash(), out added, out int three), Is.True);
        Assert.That((added, three, t.Count), Is.EqualTo((false, 3, 4)));
        Assert.That(t.Remove(Key(0), Key(0).Hash()), Is.True);
        Assert.That(t.Remove(Key(0), Key(0).Hash()), Is.False);
        t.GetOrAdd(Key(9), Key(9).Hash(), out added);
        Assert.That(added, Is.True, "room again after a removal");
    }

    /// <summary>Random adds and removes against a Dictionary, with hashes squeezed into a few home slots so probe
    /// runs are long and wrap around the array's end: every removal must keep every other flow reachable.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void RandomChurn_WithCollidingHashes_AgreesWithADictionary(int seed)
    {
        var rng = new Random(seed);
        var t = new FlowTable<int>(24); // 64 slots
        var model = new Dictionary<FlowKey, int>();
        uint HashOf(FlowKey k) => 60u + (k.Hash() & 7u); // homes 60..67: runs wrap past slot 63
        for (int step = 0; step < 5000; step++)
        {
            var k = Key(rng.Next(40));
            uint h = HashOf(k);
            if (rng.Next(3) == 0)
                Assert.That(t.Remove(k, h), Is.EqualTo(model.Remove(k)), $"remove at step {step}");
            else
            {
                ref int v = ref t.GetOrAdd(k, h, out bool added);
                if (Unsafe.IsNullRef(ref v)) { Assert.That(model, Has.Count.EqualTo(24).And.Not.ContainKey(k)); continue; }
                Assert.That(added, Is.EqualTo(!model.ContainsKey(k)), $"add at step {step}");
                v = step;
                model[k] = step;
            }
            Assert.That(t.Count, Is.EqualTo(model.Count));
        }
        foreach (var (k, v) in model) Assert.That(t.Find(k, HashOf(k)), Is.EqualTo(v));
        Assert.That(t.Snapshot().ToDictionary(x => x.Key, x => x.Value), Is.EquivalentTo(model));
    }

    private readonly struct Below(int limit) : IFlowPredicate<int>
    {
        public bool Matches(in FlowKey key, ref int value) => value < limit;
    }

    [Test]
    public void RemoveWhere_RemovesExactlyTheMatchingFlows_EvenAcrossTheIndexEnd()
    {
        var t = new FlowTable<int>(8); // 16 slots
        for (int i = 0; i < 8; i++) t.GetOrAdd(Key(i), 14u + (uint)(i % 3), out _) = i; // homes 14, 15, 16 = 0
        var below = new Below(5);
        Assert.That(t.RemoveWhere(ref below), Is.EqualTo(5));
        Assert.That(t.Snapshot().Select(x => x.Value).Order(), Is.EqualTo(new[] { 5, 6, 7 }));
        for (int i = 5; i < 8; i++) Assert.That(t.Find(Key(i), 14u + (uint)(i % 3)), Is.EqualTo(i));
    }

    private struct EveryOther : IFlowPredicate<int>
    {
        public int Calls;
        public bool Matches(in FlowKey key, ref int value) { Calls++; return value % 2 == 0; }
    }

    [Test]
    public void RemoveWhere_AsksOncePerFlow_AndLeavesTheRestFindable()
    {
        var t = new FlowTable<int>(100);
        for (int i = 0; i < 100; i++) t.GetOrAdd(Key(i), Key(i).Hash(), out _) = i;
        var p = new EveryOther();
        Assert.That(t.RemoveWhere(ref p), Is.EqualTo(50));
        Assert.That(p.Calls, Is.EqualTo(100));
        Assert.That(t.Count, Is.EqualTo(50));
        for (int i = 0; i < 100; i++)
            Assert.That(Unsafe.IsNullRef(ref t.Find(Key(i), Key(i).Hash())), Is.EqualTo(i % 2 == 0), $"flow {i}");
    }

    [Test]
    public void TheIndexGrowsWithTheFlows_WithoutLosingAny_AndWithoutAllocating()
    {
        var t = new FlowTable<int>(20_000);
        var keys = Enumerable.Range(0, 20_000).Select(Key).ToArray();
        t.GetOrAdd(keys[0], keys[0].Hash(), out _);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 1; i < keys.Length; i++) t.GetOrAdd(keys[i], keys[i].Hash(), out _) = i; // index doubles from 64 slots to 64 K
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(t.Count, Is.EqualTo(20_000));
        for (int i = 1; i < keys.Length; i++) Assert.That(t.Find(keys[i], keys[i].Hash()), Is.EqualTo(i));
        for (int i = 0; i < keys.Length; i += 2) Assert.That(t.Remove(keys[i], keys[i].Hash()), Is.True);
        for (int i = 1; i < keys.Length; i += 2) Assert.That(t.Find(keys[i], keys[i].Hash()), Is.EqualTo(i));
        t.Clear();
        Assert.That((t.Count, Unsafe.IsNullRef(ref t.Find(keys[1], keys[1].Hash()))), Is.EqualTo((0, true)));
    }

    [Test]
    public void Lookups_DoNotAllocate()
    {
        var t = new FlowTable<long>(1000);
        var keys = Enumerable.Range(0, 1000).Select(Key).ToArray();
        var hashes = keys.Select(k => k.Hash()).ToArray();
        void Round() { for (int i = 0; i < keys.Length; i++) t.GetOrAdd(keys[i], hashes[i], out _)++; }
        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int r = 0; r < 10; r++) Round();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        Assert.That(t.Find(keys[7], hashes[7]), Is.EqualTo(11));
    }

    /// <summary>Entries are packed to 4 bytes: values holding references must still be found and kept alive by the GC.</summary>
    [Test]
    public void ValuesWithReferences_SurviveCollections()
    {
        var t = new FlowTable<(string Name, long Bytes)>(100);
        for (int i = 0; i < 100; i++) t.GetOrAdd(Key(i), Key(i).TableHash(), out _) = (new string('x', i % 7 + 1) + i, i);
        GC.Collect();
        GC.Collect();
        for (int i = 0; i < 100; i++)
            Assert.That(t.Find(Key(i), Key(i).TableHash()), Is.EqualTo((new string('x', i % 7 + 1) + i, (long)i)));
    }
}
