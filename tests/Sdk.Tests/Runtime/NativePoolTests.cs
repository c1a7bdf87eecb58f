using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Runtime;

public unsafe class NativePoolTests
{
    private NativePool _pool = null!;

    [SetUp]
    public void Create() => _pool = new NativePool("unit", 2048, maxWorkers: 2);

    [TearDown]
    public void Destroy() => _pool.Dispose();

    private PacketDesc*[] Alloc(int n)
    {
        var arr = new PacketDesc*[n];
        fixed (PacketDesc** p = arr) Assert.That(_pool.AllocBulk(p, n), Is.EqualTo(n));
        return arr;
    }

    private void Free(PacketDesc*[] arr, int start = 0, int count = -1)
    {
        fixed (PacketDesc** p = arr) _pool.FreeBulk(p + start, count < 0 ? arr.Length - start : count);
    }

    private static int Distinct(PacketDesc*[] arr)
    {
        var set = new HashSet<nint>();
        foreach (var p in arr) set.Add((nint)p);
        return set.Count;
    }

    /// <summary>Run <paramref name="body"/> on a fresh thread acting as worker <paramref name="worker"/>.</summary>
    private static void OnWorker(int worker, Action body)
    {
        Exception? error = null;
        var t = new Thread(() =>
        {
            NativePool.SetWorkerIndex(worker);
            try { body(); } catch (Exception e) { error = e; }
        });
        t.Start();
        t.Join();
        if (error is not null) throw error;
    }

    [Test]
    public void Buffers_HaveGeometryAndPoolId()
    {
        var d = Alloc(1)[0];
        Assert.That(d->PoolId, Is.EqualTo(_pool.Id));
        Assert.That(d->Headroom, Is.EqualTo(NativePool.DefaultHeadroom));
        Assert.That(d->Capacity, Is.EqualTo(NativePool.DefaultHeadroom + NativePool.DefaultDataRoom));
        Assert.That(BufferPools.Get(_pool.Id), Is.SameAs(_pool));
        Free([d]);
    }

    [Test]
    public void InUse_TracksAllocAndFree_Globally()
    {
        var a = Alloc(100);
        Assert.That(_pool.InUse, Is.EqualTo(100));
        Free(a, 0, 40);
        Assert.That(_pool.InUse, Is.EqualTo(60));
        Free(a, 40);
        Assert.That(_pool.InUse, Is.Zero);
        Assert.That(Distinct(a), Is.EqualTo(100));
    }

    [Test]
    public void WorkerCaches_AllocAndFree_InUseStaysExact_DrainReturnsAll()
    {
        OnWorker(0, () =>
        {
            for (int round = 0; round < 20; round++)
            {
                var a = Alloc(32);
                Assert.That(_pool.InUse, Is.EqualTo(32));
                Free(a);
                Assert.That(_pool.InUse, Is.Zero);
            }
            var big = Alloc(700); // more than a cache holds: served from the global stack
            Assert.That(_pool.InUse, Is.EqualTo(700));
            Free(big); // overflows the cache, spills in bulk
            Assert.That(_pool.InUse, Is.Zero);
        });
        // Worker 1 frees what the main thread allocated: buffers move between owners.
        var shared = Alloc(300);
        OnWorker(1, () => Free(shared));
        Assert.That(_pool.InUse, Is.Zero);
        _pool.DrainCaches();
        Assert.That(_pool.InUse, Is.Zero);
        var all = Alloc(2048); // every buffer is back in the global stack
        Free(all);
    }

    [Test]
    public void Exhaustion_ReturnsWhatIsLeft()
    {
        var a = Alloc(2000);
        var rest = new PacketDesc*[100];
        fixed (PacketDesc** p = rest) Assert.That(_pool.AllocBulk(p, 100), Is.EqualTo(48));
        Free(a);
        Free(rest, 0, 48);
        Assert.That(_pool.InUse, Is.Zero);
    }

    [Test]
    public void DoubleFree_IsDetected_AndThePoolStaysConsistent()
    {
        var a = Alloc(4);
        Free(a, 0, 1);
        var e = Assert.Throws<InvalidOperationException>(() => Free(a, 0, 2)); // a[0] again, with a[1]
        Assert.That(e!.Message, Does.Contain("freed twice"));
        Assert.That(_pool.InUse, Is.EqualTo(2), "a[1] was freed, the duplicate ignored");
        Free(a, 2);
        Assert.That(_pool.InUse, Is.Zero);
        var all = Alloc(2048);
        Assert.That(Distinct(all), Is.EqualTo(2048), "no buffer is in the free stack twice");
        Free(all);
    }

    [Test]
    public void DoubleFree_WithinOneBulk_OnAWorker_IsDetected()
    {
        OnWorker(0, () =>
        {
            var a = Alloc(3);
            var dup = new[] { a[0], a[1], a[0], a[2] };
            Assert.Throws<InvalidOperationException>(() => Free(dup));
            Assert.That(_pool.InUse, Is.Zero);
        });
        _pool.DrainCaches();
    }

    [Test]
    public void ForeignPointer_IsRefused()
    {
        var a = Alloc(1);
        var inside = (PacketDesc*)((byte*)a[0] + 8); // not a block start
        Assert.Throws<InvalidOperationException>(() => Free([inside]));
        Free(a);
        Assert.That(_pool.InUse, Is.Zero);
    }

    [Test]
    public void BufferPools_FreeBulk_GroupsByPool_AndFreesAllPoolsDespiteAFailure()
    {
        using var other = new NativePool("other", 64, maxWorkers: 1);
        var mine = Alloc(2);
        PacketDesc* theirs;
        Assert.That(other.AllocBulk(&theirs, 1), Is.EqualTo(1));
        Free(mine, 1, 1);
        var mixed = new[] { mine[0], mine[1], theirs };
        fixed (PacketDesc** p = mixed)
        {
            var pp = p;
            Assert.Throws<InvalidOperationException>(() => BufferPools.FreeBulk(pp, 3));
        }
        Assert.That(_pool.InUse, Is.Zero);
        Assert.That(other.InUse, Is.Zero, "the other pool got its buffer back");
    }
}
