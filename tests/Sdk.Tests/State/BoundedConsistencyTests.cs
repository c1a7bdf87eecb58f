using System.Collections.Concurrent;
using Switchboard.Sdk.State;

namespace Switchboard.Sdk.Tests.State;

public class BoundedConsistencyTests
{
    private const int Writer = 0;

    // The writer's update i stores i under key i % 8 and then records i as completed. A reader first reads the
    // completed count c, then the map: at that moment the writer had finished at least c updates, so a
    // correct store must show an update >= c - bound. After the writer's Flush every reader must see the last.
    [TestCase(0)]
    [TestCase(16)]
    [TestCase(1000)]
    public void Map_ReadersNeverLagMoreThanBound_AndSeeLatestAfterFlush(int bound)
    {
        const int updates = 100_000;
        var map = new BoundedConsistencyMap<int, long>(bound, Writer);
        long completed = 0;
        int writerDone = 0;
        var violations = new ConcurrentQueue<string>();
        using var afterFlush = new Barrier(4);

        CoreThreads.Run([0, 1, 2, 3], core =>
        {
            if (core == Writer)
            {
                for (long i = 1; i <= updates; i++)
                {
                    map.Set((int)(i % 8), i);   // update i lands on key i % 8
                    Volatile.Write(ref completed, i);
                }
                map.Flush();
                Volatile.Write(ref writerDone, 1);
                afterFlush.SignalAndWait();
                return;
            }
            long lastSeen = 0;
            while (Volatile.Read(ref writerDone) == 0)
            {
                long c = Volatile.Read(ref completed);
                long v = NewestVersion(map);
                if (v < c - bound) violations.Enqueue($"core {core}: saw {v} after {c} completed (bound {bound})");
                if (v < lastSeen) violations.Enqueue($"core {core}: went back from {lastSeen} to {v}");
                lastSeen = v;
            }
            afterFlush.SignalAndWait();
            for (int k = 0; k < 8; k++)
                if (map.GetValueOrDefault(k, 0) != updates - ((updates - k) % 8))
                    violations.Enqueue($"core {core}: key {k} stale after flush");
        });

        Assert.That(violations, Is.Empty);
        Assert.That(map.WrittenUpdates, Is.EqualTo(updates));
        Assert.That(map.PublishedUpdates, Is.EqualTo(updates));
    }

    // The newest update a reader can see: the first key read comes from a snapshot holding updates 1..P with
    // P >= c - bound, in which key P % 8 holds P, and later reads only see newer snapshots; so max >= P.
    private static long NewestVersion(BoundedConsistencyMap<int, long> map)
    {
        long max = 0;
        for (int k = 0; k < 8; k++) max = Math.Max(max, map.GetValueOrDefault(k, 0));
        return max;
    }

    // The control plane replaces a whole lookup table (every entry = version) while cores read it: a core must
    // never see a torn table, nor one older than the bound allows.
    [TestCase(0)]
    [TestCase(5)]
    public void Array_ControlPlaneReplacesTables_ReadersSeeWholeTablesWithinBound(int bound)
    {
        const int updates = 20_000, size = 64;
        var lut = new BoundedConsistencyArray<int>(new int[size], bound, StateWriter.ControlPlane);
        long completed = 0;
        int writerDone = 0;
        var violations = new ConcurrentQueue<string>();

        CoreThreads.Run([-1, 1, 2, 3], core =>
        {
            if (core == -1)
            {
                var table = new int[size];
                for (int i = 1; i <= updates; i++)
                {
                    Array.Fill(table, i);
                    lut.Replace(table);
                    Volatile.Write(ref completed, i);
                }
                lut.Flush();
                Volatile.Write(ref writerDone, 1);
                return;
            }
            while (Volatile.Read(ref writerDone) == 0)
            {
                long c = Volatile.Read(ref completed);
                var snapshot = lut.Published;
                int version = snapshot[0];
                if (version < c - bound) violations.Enqueue($"core {core}: table {version} after {c} completed");
                foreach (int entry in snapshot)
                    if (entry != version) { violations.Enqueue($"core {core}: torn table ({version} and {entry})"); break; }
                if (lut[size - 1] < version) violations.Enqueue($"core {core}: indexer older than an earlier snapshot");
            }
            if (lut[0] != updates || lut.Published[size - 1] != updates)
                violations.Enqueue($"core {core}: stale table after flush");
        });

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void Map_PublishesOnceTheBoundIsExceeded_WriterSeesItsOwnWritesAtOnce()
    {
        var map = new BoundedConsistencyMap<string, int>(bound: 3, writer: 0);
        int ReaderView() => CoreThreads.On(1, () => map.GetValueOrDefault("x", -1));

        CoreThreads.On(0, () => map.Set("x", 1));
        Assert.That(CoreThreads.On(0, () => map.GetValueOrDefault("x", -1)), Is.EqualTo(1), "writer reads its own write");
        Assert.That(ReaderView(), Is.EqualTo(-1), "within the bound the update may stay unpublished");
        CoreThreads.On(0, () => { map.Set("x", 2); map.Set("x", 3); });
        Assert.That(ReaderView(), Is.EqualTo(-1));
        CoreThreads.On(0, () => map.Set("x", 4));
        Assert.That(ReaderView(), Is.EqualTo(4), "fourth update exceeds bound 3");
        CoreThreads.On(0, () => { map.Set("x", 5); map.Remove("x"); map.Flush(); });
        Assert.That(ReaderView(), Is.EqualTo(-1), "flush publishes the removal");
        Assert.That(CoreThreads.On(2, () => map.Count), Is.Zero);
    }

    [Test]
    public void Value_ReadersSeeNewValueWithinBoundOrAfterFlush()
    {
        var table = new BoundedConsistencyValue<int[]>([0], bound: 1, writer: StateWriter.ControlPlane);
        int[] ReaderView() => CoreThreads.On(2, () => table.Value);

        CoreThreads.On(-1, () => table.Set([1]));
        Assert.That(ReaderView(), Is.EqualTo(new[] { 0 }));
        Assert.That(CoreThreads.On(-1, () => table.Value), Is.EqualTo(new[] { 1 }), "the control plane reads its own write");
        CoreThreads.On(-1, () => table.Set([2]));
        Assert.That(ReaderView(), Is.EqualTo(new[] { 2 }));
        CoreThreads.On(-1, () => { table.Set([3]); table.Flush(); });
        Assert.That(ReaderView(), Is.EqualTo(new[] { 3 }));
        Assert.That(table.PublishedUpdates, Is.EqualTo(3));
    }

    [Test]
    public void SecondWriter_Throws_WhileTheWriterKeepsWriting()
    {
        var map = new BoundedConsistencyMap<int, int>(bound: 4, writer: 0);
        int foreignFailures = 0, foreignSuccesses = 0;
        string? message = null;
        CoreThreads.Run([0, 1], core =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (core == 0) { map.Set(i, i); continue; }
                try { map.Set(i, -i); foreignSuccesses++; }
                catch (InvalidOperationException e) { foreignFailures++; message = e.Message; }
            }
        });
        Assert.That(foreignSuccesses, Is.Zero);
        Assert.That(foreignFailures, Is.EqualTo(10_000));
        Assert.That(message, Does.Contain("core 0").And.Contain("core 1"));
        Assert.That(CoreThreads.On(0, () => map.Count), Is.EqualTo(10_000));
        Assert.Throws<InvalidOperationException>(() => CoreThreads.On(-1, () => map.Flush()), "control plane is not this map's writer");

        var lut = new BoundedConsistencyArray<int>([1, 2, 3], bound: 0, writer: StateWriter.ControlPlane);
        var fromCore = Assert.Throws<InvalidOperationException>(() => CoreThreads.On(2, () => lut.Set(0, 9)));
        Assert.That(fromCore!.Message, Does.Contain("control-plane").And.Contain("core 2"));
        Assert.Throws<InvalidOperationException>(() => CoreThreads.On(2, () => new BoundedConsistencyValue<string>("a", 0, 3).Set("b")));
    }

    [Test]
    public void PerCore_MapIIsWrittenByCoreI_AndReadableEverywhere()
    {
        var maps = BoundedConsistencyMap<int, int>.PerCore(3, bound: 0);
        CoreThreads.Run([0, 1, 2], core => maps[core].Set(0, core * 10));
        Assert.That(CoreThreads.On(1, () => maps.Select(m => m.GetValueOrDefault(0, -1)).ToArray()), Is.EqualTo(new[] { 0, 10, 20 }));
        Assert.Throws<InvalidOperationException>(() => CoreThreads.On(1, () => maps[2].Set(1, 1)));
    }
}
