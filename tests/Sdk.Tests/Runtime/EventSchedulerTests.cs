using System.Diagnostics;
using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Runtime;

public class EventSchedulerTests
{
    private long _now = 1_000_000;
    private static long Ticks(double ms) => (long)(ms / 1000 * Stopwatch.Frequency);

    private EventScheduler Make(List<string>? log = null) => new(log is null ? null : log.Add, () => _now);

    [Test]
    public void Periodic_FiresOncePerPeriod()
    {
        var ev = Make();
        int runs = 0;
        ev.Every(TimeSpan.FromMilliseconds(10), () => runs++, "nf");
        long t0 = _now;
        Assert.That(ev.Poll(t0 + Ticks(9)), Is.Zero);
        Assert.That(ev.Poll(t0 + Ticks(10)), Is.EqualTo(1));
        Assert.That(ev.Poll(t0 + Ticks(15)), Is.Zero);
        Assert.That(ev.Poll(t0 + Ticks(20)), Is.EqualTo(1));
        Assert.That(runs, Is.EqualTo(2));
        Assert.That(ev.Pending, Is.EqualTo(1));
    }

    [Test]
    public void Periodic_AfterAStall_FiresOnceAndKeepsPhase()
    {
        var ev = Make();
        int runs = 0;
        ev.Every(TimeSpan.FromMilliseconds(10), () => runs++, "nf");
        long t0 = _now;
        Assert.That(ev.Poll(t0 + Ticks(55)), Is.EqualTo(1), "missed periods are skipped, not replayed");
        Assert.That(ev.Poll(t0 + Ticks(59)), Is.Zero);
        Assert.That(ev.Poll(t0 + Ticks(60)), Is.EqualTo(1), "the grid of the original schedule is kept");
        Assert.That(runs, Is.EqualTo(2));
    }

    [Test]
    public void OneShot_FiresOnceThenIsGone()
    {
        var ev = Make();
        int runs = 0;
        ev.After(TimeSpan.FromMilliseconds(5), () => runs++, "nf");
        long t0 = _now;
        Assert.That(ev.Poll(t0 + Ticks(4)), Is.Zero);
        Assert.That(ev.Poll(t0 + Ticks(5)), Is.EqualTo(1));
        Assert.That(ev.Poll(t0 + Ticks(500)), Is.Zero);
        Assert.That(runs, Is.EqualTo(1));
        Assert.That(ev.Pending, Is.Zero);
    }

    [Test]
    public void EventsRunInDueOrder()
    {
        var ev = Make();
        var order = new List<string>();
        ev.After(TimeSpan.FromMilliseconds(30), () => order.Add("c"), "nf");
        ev.After(TimeSpan.FromMilliseconds(10), () => order.Add("a"), "nf");
        ev.After(TimeSpan.FromMilliseconds(20), () => order.Add("b"), "nf");
        ev.Poll(_now + Ticks(100));
        Assert.That(order, Is.EqualTo(new[] { "a", "b", "c" }));
    }

    [Test]
    public void EventsDueAtTheSameTime_RunInSchedulingOrder()
    {
        var ev = Make();
        var order = new List<int>();
        for (int i = 0; i < 20; i++)
        {
            int k = i;
            ev.After(TimeSpan.FromMilliseconds(5), () => order.Add(k), "nf");
        }
        ev.Poll(_now + Ticks(5));
        Assert.That(order, Is.EqualTo(Enumerable.Range(0, 20)));
    }

    [Test]
    public void ThrowingAction_IsCountedAndLogged_PeriodicKeepsItsSchedule()
    {
        var log = new List<string>();
        var ev = Make(log);
        int runs = 0;
        ev.Every(TimeSpan.FromMilliseconds(10), () => { runs++; throw new InvalidOperationException("boom"); }, "flaky-nf");
        long t0 = _now;
        ev.Poll(t0 + Ticks(10));
        ev.Poll(t0 + Ticks(20));
        Assert.That(runs, Is.EqualTo(2));
        Assert.That(ev.Failed, Is.EqualTo(2));
        Assert.That(ev.Fired, Is.Zero);
        Assert.That(ev.Pending, Is.EqualTo(1));
        Assert.That(log[0], Does.Contain("flaky-nf").And.Contain("boom"));
    }

    [Test]
    public void ActionReArmingItselfForNow_RunsOncePerPoll()
    {
        var ev = Make();
        int runs = 0;
        void Again() { runs++; ev.After(TimeSpan.Zero, Again, "nf"); }
        ev.After(TimeSpan.Zero, Again, "nf");
        Assert.That(ev.Poll(_now), Is.EqualTo(1));
        Assert.That(ev.Poll(_now), Is.EqualTo(1));
        Assert.That(runs, Is.EqualTo(2));
    }

    [Test]
    public void InvalidArguments_Throw()
    {
        var ev = Make();
        Assert.Throws<ArgumentOutOfRangeException>(() => ev.Every(TimeSpan.Zero, () => { }, "nf"));
        Assert.Throws<ArgumentNullException>(() => ev.After(TimeSpan.Zero, null!, "nf"));
    }

    [Test]
    public void NfContext_SchedulesOnTheCoresScheduler_ThroughHarnessPoll()
    {
        long now = 0;
        var h = new GraphHarness(clock: () => now);
        var ctx = h.NfContext("timer-nf");
        int ticks = 0;
        ctx.Every(TimeSpan.FromSeconds(1), () => ticks++);
        now = Ticks(999);
        h.Poll();
        Assert.That(ticks, Is.Zero);
        now = Ticks(1000);
        h.Poll();
        now = Ticks(2500);
        h.Poll();
        Assert.That(ticks, Is.EqualTo(2));
    }
}
