namespace Switchboard.Sdk.Tests.Streams;

public class WindowCloseTests
{
    [Test]
    public void Fin_DeliversTheTail()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 8 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "0123456789abc"), c.Fin(13));
        Assert.That(rig.Calls.Select(x => (x.Reason, x.Text)), Is.EqualTo(new[]
        {
            (WindowReason.Full, "01234567"), (WindowReason.Closed, "89abc"),
        }));
        Assert.That(rig.Calls[1].Offset, Is.EqualTo(8));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void FinBeforeGapFills_WaitsForTheMissingBytes()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(5, "world", Tcp.Fin));
        Assert.That(rig.Calls, Is.Empty);
        rig.Push(c.Data(0, "hello"));
        Assert.That(rig.Calls.Select(x => (x.Reason, x.Text)), Is.EqualTo(new[] { (WindowReason.Closed, "helloworld") }));
        rig.Push(c.Data(0, "hello"), c.Fin(10));
        Assert.That(rig.Calls, Has.Count.EqualTo(1), "retransmissions after close are not a new stream");
    }

    [Test]
    public void Rst_DeliversTheTailOfBothDirections()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100 });
        var c = new Conversation();
        rig.Push(c.Syn(), c.SynAck(), c.Data(0, "request"), c.ServerData(0, "partial reply"), c.Rst(7));
        Assert.That(rig.Calls.Select(x => (x.Reason, x.Direction, x.Text)), Is.EquivalentTo(new[]
        {
            (WindowReason.Reset, StreamDirection.ClientToServer, "request"),
            (WindowReason.Reset, StreamDirection.ServerToClient, "partial reply"),
        }));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void Timeout_DeliversTheTailAndFreesTheFlow()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, Timeout = TimeSpan.FromSeconds(5) });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "abc"), c.Data(10, "xyz"));
        rig.PollAfter(TimeSpan.FromSeconds(1));
        Assert.That(rig.Calls, Is.Empty, "not idle long enough yet");
        rig.PollAfter(TimeSpan.FromSeconds(6));
        Assert.That(rig.Calls.Select(x => (x.Reason, x.Offset, x.Text)), Is.EqualTo(new[]
        {
            (WindowReason.Timeout, 0L, "abc"), (WindowReason.Timeout, 10L, "xyz"),
        }));
        Assert.That(rig.Node.Flows, Is.Zero);
        Assert.That(rig.Node.TimedOut, Is.EqualTo(1));
    }

    [Test]
    public void ClosedFlowMarkers_ExpireAfterTheTimeout()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, Timeout = TimeSpan.FromSeconds(5) });
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "abc"), c.Fin(3));
        Assert.That(rig.Node.Flows, Is.EqualTo(1));
        rig.PollAfter(TimeSpan.FromSeconds(6));
        Assert.That(rig.Node.Flows, Is.Zero);
        Assert.That(rig.Calls, Has.Count.EqualTo(1), "a closed flow is not delivered again on timeout");
    }

    [Test]
    public void MaxFlows_EvictsTheLeastRecentlyActive()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, MaxFlows = 2 });
        var a = new Conversation(clientPort: 1001);
        var b = new Conversation(clientPort: 1002);
        var d = new Conversation(clientPort: 1003);
        rig.Push(a.Data(0, "aaa"), b.Data(0, "bbb"), a.Data(3, "AAA"), d.Data(0, "ddd"));
        Assert.That(rig.Node.Flows, Is.EqualTo(2));
        Assert.That(rig.Node.Evicted, Is.EqualTo(1));
        Assert.That(rig.Calls.Select(x => (x.Reason, x.Text)), Is.EqualTo(new[] { (WindowReason.Evicted, "bbb") }));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void WindowIsScheduled()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 10 });
        Assert.That(rig.Harness.Core.Schedulables, Does.Contain(rig.Node));
    }
}
