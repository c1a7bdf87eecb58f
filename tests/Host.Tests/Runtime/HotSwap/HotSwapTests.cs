using Switchboard.Host.Runtime;
using Switchboard.Plugins.Monitor;

namespace Switchboard.Host.Tests.Runtime.HotSwap;

/// <summary>Hot replace / insert / remove in a running two-core switch, every packet counted by sequence number.</summary>
public class HotSwapTests
{
    [Test]
    public void ReplaceUnderFullLoad_NoPacketLostOrDuplicated_OldQueuesDrainedAndForgotten()
    {
        using var rig = new SeqRig("""
            "sg": { "type": "test-shuffle-groupby" }, "ttl": { "type": "ttl" }
            """, ["sg", "ttl"]);
        rig.WaitForTraffic(20_000);
        var reports = new List<HotSwapReport>();
        const int replaces = 20;
        for (int i = 0; i < replaces; i++)
        {
            bool shuffleOnly = i % 2 == 0;
            reports.Add(shuffleOnly
                ? rig.Dp.ReplaceNf("sg", () => new ShuffleOnlyNf(), "test-shuffle-only")
                : rig.Dp.ReplaceNf("sg", () => new Switchboard.Host.Tests.Runtime.ShuffleGroupByNf(), "test-shuffle-groupby"));
            rig.WaitForTraffic();
        }
        var status = rig.Dp.NfStatuses().Single(s => s.Name == "sg");
        var keys = rig.Dp.Shared.Keys;
        var currentIn = rig.Dp.Nfs.Where(n => n.Name == "sg").Select(n => n.Entry.PacketsIn).ToList();
        var audit = rig.Finish();

        TestContext.Out.WriteLine($"replaces {replaces}: sent {audit.Generated}, received {audit.Received}, lost {audit.Missing}, " +
                                  $"duplicated {audit.Duplicated}, dropped {audit.Dropped}, drained from old queues {reports.Sum(r => r.DrainedPackets)}");
        TestContext.Out.WriteLine(string.Join(Environment.NewLine, reports.Take(3)));
        Assert.That(audit.Missing, Is.Zero, "lost");
        Assert.That(audit.Duplicated, Is.Zero, "duplicated");
        Assert.That(audit.Dropped, Is.Zero);
        Assert.That(audit.Received, Is.EqualTo(audit.Generated));
        Assert.That(audit.Leaked, Is.Zero, "buffers leaked");
        Assert.That(status.Generation, Is.EqualTo(replaces));
        Assert.That(status.Type, Is.EqualTo("test-shuffle-groupby"));
        Assert.That(currentIn, Has.All.GreaterThan(0), "the last generation carried traffic on both cores");
        Assert.That(rig.Dp.Nfs.Where(n => n.Name == "sg").Sum(n => n.LifetimeIn), Is.EqualTo(audit.Generated),
            "the instance's counts span its generations: every packet entered exactly one of them");
        Assert.That(rig.Dp.Nfs.Where(n => n.Name == "sg").Sum(n => n.LifetimeOut), Is.EqualTo(audit.Received));
        Assert.That(reports.Select(r => r.Retired.Count), Has.All.EqualTo(2), "one old NF object per core handed back");
        Assert.That(reports.Select(r => r.SwapWork.Count), Has.All.EqualTo(2));
        Assert.That(keys.Where(k => k.StartsWith("sg", StringComparison.Ordinal)), Has.All.StartWith($"sg#{replaces}/"),
            "retired generations' shuffle rings are forgotten");
    }

    [Test]
    public void ReplaceThatFailsToBuildOnOneCore_ChangesNothing()
    {
        using var rig = new SeqRig("""
            "sg": { "type": "test-shuffle-groupby" }
            """, ["sg"]);
        rig.WaitForTraffic();
        var functions = rig.Dp.Nfs.Select(n => n.Function).ToList();
        var keys = rig.Dp.Shared.Keys.Order().ToList();
        var polls = rig.Dp.Workers.Select(w => w.PollCount).ToList();
        var schedulables = rig.Dp.Workers.Select(w => w.Core.Schedulables.Count).ToList();

        var ex = Assert.Throws<HotSwapException>(() => rig.Dp.ReplaceNf("sg", () => new FailOnCore1Nf(), "test-fail-on-core1"));

        Assert.That(ex!.Errors.Single(), Does.Contain("NF 'sg' (test-fail-on-core1) failed to build: cannot build on core 1"));
        Assert.That(rig.Dp.Nfs.Select(n => n.Function), Is.EqualTo(functions), "the old replicas are still in place");
        Assert.That(rig.Dp.NfStatuses().Single().Generation, Is.Zero);
        Assert.That(rig.Dp.Shared.Keys.Order(), Is.EqualTo(keys), "no shared object of the failed build is left");
        Assert.That(rig.Dp.Workers.Select(w => w.PollCount), Is.EqualTo(polls));
        Assert.That(rig.Dp.Workers.Select(w => w.Core.Schedulables.Count), Is.EqualTo(schedulables));
        rig.WaitForTraffic();
        var audit = rig.Finish();
        Assert.That((audit.Missing, audit.Duplicated, audit.Dropped, audit.Leaked), Is.EqualTo((0L, 0L, 0L, 0)));
    }

    [Test]
    public void InsertAndRemoveAtRuntime_ChainChangesWithoutLoss()
    {
        using var rig = new SeqRig("""
            "ttl": { "type": "ttl" }
            """, ["ttl"]);
        rig.WaitForTraffic();
        var insert = rig.Dp.InsertNf("main", 0, "mon", "monitor", () => new MonitorNf());
        rig.Dp.InsertNf("main", 2, "sg2", "test-shuffle-groupby", () => new Switchboard.Host.Tests.Runtime.ShuffleGroupByNf());
        Assert.That(rig.Dp.ChainLayout.Single().Through, Is.EqualTo(new[] { "mon", "ttl", "sg2" }));
        rig.WaitForTraffic();
        Assert.That(rig.Dp.Nfs.Where(n => n.Name is "mon" or "sg2").Sum(n => n.Entry.PacketsIn), Is.GreaterThan(0));

        var removeTtl = rig.Dp.RemoveNf("ttl");
        rig.WaitForTraffic();
        var removeSg = rig.Dp.RemoveNf("sg2");
        Assert.That(rig.Dp.ChainLayout.Single().Through, Is.EqualTo(new[] { "mon" }));
        rig.WaitForTraffic();
        var monIn = rig.Dp.Nfs.Where(n => n.Name == "mon").Sum(n => n.Entry.PacketsIn);
        var keys = rig.Dp.Shared.Keys;
        var audit = rig.Finish();

        Assert.That((audit.Missing, audit.Duplicated, audit.Dropped, audit.Leaked), Is.EqualTo((0L, 0L, 0L, 0)));
        Assert.That(insert.OldGeneration, Is.Null);
        Assert.That(removeTtl.Retired, Has.Count.EqualTo(2).And.All.TypeOf<Switchboard.Plugins.Ttl.TtlNf>());
        Assert.That(removeSg.Retired, Has.Count.EqualTo(2));
        Assert.That(keys.Where(k => k.Contains("sg2")), Is.Empty);
        Assert.That(monIn, Is.GreaterThan(0));
    }

    [Test]
    public void RetiredInstanceTimersNeverFireAgain()
    {
        using var rig = new SeqRig("""
            "tick": { "type": "test-ticker" }
            """, ["tick"]);
        var polls = rig.Dp.Workers.Select(w => w.PollCount).ToList();
        SeqRig.WaitFor(() => Ticks(rig.Dp.Nfs.Select(n => n.Function)) > 4, "the first instance to tick");
        var report = rig.Dp.ReplaceNf("tick", () => new TickerNf());
        long oldTicks = Ticks(report.Retired);
        var fresh = rig.Dp.Nfs.Select(n => n.Function).ToList();
        SeqRig.WaitFor(() => Ticks(fresh) > 20, "the replacement to tick");

        Assert.That(Ticks(report.Retired), Is.EqualTo(oldTicks), "a retired instance's timer fired");
        Assert.That(rig.Dp.Workers.Select(w => w.PollCount), Is.EqualTo(polls), "old timers and queues left the rotation");
        var audit = rig.Finish();
        Assert.That((audit.Missing, audit.Duplicated, audit.Leaked), Is.EqualTo((0L, 0L, 0)));
    }

    private static long Ticks(IEnumerable<Switchboard.Sdk.INetworkFunction> nfs)
    {
        var c = new List<KeyValuePair<string, long>>();
        foreach (var nf in nfs) ((Switchboard.Sdk.ICounterSource)nf).ReadCounters(c);
        return c.Where(x => x.Key == "ticks").Sum(x => x.Value);
    }

    [Test]
    public void UnknownInstanceOrChainIsRefused()
    {
        using var rig = new SeqRig("""
            "ttl": { "type": "ttl" }
            """, ["ttl"], cores: 1);
        Assert.That(Assert.Throws<HotSwapException>(() => rig.Dp.ReplaceNf("tll", () => new Switchboard.Plugins.Ttl.TtlNf()))!.Message,
            Does.Contain("no NF instance 'tll'").And.Contain("ttl"));
        Assert.That(Assert.Throws<HotSwapException>(() => rig.Dp.InsertNf("nope", 0, "x", "ttl", () => new Switchboard.Plugins.Ttl.TtlNf()))!.Message,
            Does.Contain("no chain 'nope'"));
        Assert.That(Assert.Throws<HotSwapException>(() => rig.Dp.InsertNf("main", 0, "ttl", "ttl", () => new Switchboard.Plugins.Ttl.TtlNf()))!.Message,
            Does.Contain("already in use"));
        rig.Finish();
    }
}
