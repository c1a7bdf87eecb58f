using System.Diagnostics;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Sdk.Tests.Runtime;

/// <summary>Owner-based cancel (a retired NF's timers) and per-owner fault reporting.</summary>
public class EventSchedulerOwnerTests
{
    private long _now = 1_000_000;

    [Test]
    public void Cancel_RemovesOnlyThatOwnersEvents()
    {
        var ev = new EventScheduler(clock: () => _now);
        int a = 0, b = 0;
        ev.Every(TimeSpan.FromMilliseconds(1), () => a++, "old");
        ev.After(TimeSpan.FromMilliseconds(1), () => a++, "old");
        ev.Every(TimeSpan.FromMilliseconds(1), () => b++, "new");

        Assert.That(ev.Cancel("old"), Is.EqualTo(2));
        ev.Poll(_now + Stopwatch.Frequency);

        Assert.That((a, b), Is.EqualTo((0, 1)));
        Assert.That(ev.Pending, Is.EqualTo(1));
    }

    [Test]
    public void ThrowingAction_IsReportedWithItsOwner()
    {
        var faults = new List<(string, string)>();
        var ev = new EventScheduler(clock: () => _now, onFault: (owner, e) => faults.Add((owner, e.Message)));
        ev.After(TimeSpan.Zero, () => throw new InvalidOperationException("boom"), "nf-a");
        ev.Poll(_now);
        Assert.That(faults, Is.EqualTo(new[] { ("nf-a", "boom") }));
        Assert.That(ev.Failed, Is.EqualTo(1));
    }
}
