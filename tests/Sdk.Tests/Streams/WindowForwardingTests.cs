using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

public class WindowForwardingTests
{
    [Test]
    public void ByDefault_EveryPacketIsForwardedUnmodifiedInOrder()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 4 });
        var c = new Conversation();
        var frames = new[] { c.Syn(), c.SynAck(), c.Data(4, "efgh"), c.Data(0, "abcd"), c.Data(0, "abcd"), c.Fin(8) };
        rig.Push(frames);
        Assert.That(rig.Output.Packets.Select(p => p.Bytes), Is.EqualTo(frames));
        Assert.That(rig.Output.Packets.All(p => p.Top == HeaderKind.Tcp), Is.True);
        Assert.That(rig.Joined(), Is.EqualTo("abcdefgh"));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void NonTcpPackets_PassThroughUntouched()
    {
        var h = new GraphHarness();
        var calls = new List<WindowCall>();
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Window(new WindowOptions { WindowSize = 1 }, new Recorder(calls)));
        var udp = Frames.Udp(payload: [1, 2, 3]);
        var tcpUnparsed = Frames.Tcp(payload: [4, 5, 6]);
        h.Push(udp, tcpUnparsed);
        Assert.That(output.Packets.Select(p => p.Bytes), Is.EqualTo(new[] { udp, tcpUnparsed }));
        Assert.That(calls, Is.Empty, "TCP needs Parse<Tcp>() upstream to be reassembled");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void EmitOutsideConsumeMode_IsAFaultOfTheUdf()
    {
        var h = new GraphHarness();
        h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Window(new WindowOptions { WindowSize = 2 }, new EmitAlways()));
        var window = h.Builder.Nodes.OfType<WindowNode<EmitAlways>>().Single();
        var c = new Conversation();
        h.Push(c.Data(0, "ab"));
        Assert.That(window.PacketsFaulted, Is.EqualTo(1), "the UDF's misuse costs its packet; it does not reach the core");
        Assert.That(window.LastFault, Is.InstanceOf<InvalidOperationException>().With.Message.Contains("Consume mode"));
    }

    [Test]
    public void InvalidOptions_AreRejectedAtBuild()
    {
        var h = new GraphHarness();
        Assert.That(() => h.Input.Window(new WindowOptions { WindowSize = 10, Slide = 11 }, new EmitAlways()), Throws.InstanceOf<ArgumentOutOfRangeException>());
        Assert.That(() => h.Input.Window(new WindowOptions { WindowSize = 10, MaxBufferBytes = 5 }, new EmitAlways()), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }

    private struct EmitAlways : IStreamUdf
    {
        public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data) => stream.Emit(data);
    }
}
