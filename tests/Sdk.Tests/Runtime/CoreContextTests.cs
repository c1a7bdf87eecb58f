using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Runtime;

public unsafe class CoreContextTests
{
    [Test]
    public void Drops_AreCountedAndFreedInBulk()
    {
        var core = new CoreContext(0, 1, new SharedRegistry(), TestPool.Pool);
        int start = TestPool.Pool.InUse;
        for (int i = 0; i < 300; i++) core.Drop(TestPool.Make(Frames.Udp()));
        Assert.That(TestPool.Pool.InUse - start, Is.EqualTo(300 - 256), "a full drop list is freed at once");
        core.FlushDrops();
        Assert.That(TestPool.Pool.InUse, Is.EqualTo(start));
        Assert.That(core.DroppedTotal, Is.EqualTo(300));
    }

    [Test]
    public void Free_IsNotCountedAsDrop()
    {
        var core = new CoreContext(0, 1, new SharedRegistry(), TestPool.Pool);
        int start = TestPool.Pool.InUse;
        var batch = new PacketBatch(4);
        for (int i = 0; i < 4; i++) batch.Add(TestPool.Make(Frames.Udp()));
        core.FreeAll(batch);
        core.FlushDrops();
        Assert.That(batch.Count, Is.Zero);
        Assert.That(core.DroppedTotal, Is.Zero);
        Assert.That(TestPool.Pool.InUse, Is.EqualTo(start));
    }

    [Test]
    public void DoubleDrop_ReportsOnce_ThenTheCoreRecovers()
    {
        var core = new CoreContext(0, 1, new SharedRegistry(), TestPool.Pool);
        int start = TestPool.Pool.InUse;
        var d = TestPool.Make(Frames.Udp());
        core.Drop(d);
        core.Drop(d);
        Assert.Throws<InvalidOperationException>(core.FlushDrops);
        Assert.DoesNotThrow(core.FlushDrops);
        Assert.That(TestPool.Pool.InUse, Is.EqualTo(start));
    }

    [Test]
    public void SharedRegistry_CreatesOncePerKey_AndChecksType()
    {
        var reg = new SharedRegistry();
        int made = 0;
        var a = reg.GetOrAdd("k", () => { made++; return new List<int>(); });
        var b = reg.GetOrAdd("k", () => { made++; return new List<int>(); });
        Assert.That(a, Is.SameAs(b));
        Assert.That(made, Is.EqualTo(1));
        Assert.Throws<InvalidOperationException>(() => reg.GetOrAdd("k", () => "other"));
    }
}
