using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

/// <summary>A stream UDF that throws costs the packet that completed the window, never the batch or a buffer.</summary>
public class WindowFaultTests
{
    private struct ThrowsOnBad : IStreamUdf
    {
        public void OnWindow(in StreamContext stream, ReadOnlySpan<byte> data)
        {
            if (data.SequenceEqual("bad!"u8)) throw new InvalidOperationException("bad window");
        }
    }

    [Test]
    public void ThrowingStreamUdf_DropsOnlyThatPacket_CountsTheFault()
    {
        var h = new GraphHarness();
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Window(new WindowOptions { WindowSize = 4 }, new ThrowsOnBad()));
        var window = h.Builder.Nodes.OfType<WindowNode<ThrowsOnBad>>().Single();
        var c = new Conversation();

        h.Push(c.Syn(), c.Data(0, "good"), c.Data(4, "bad!"));

        Assert.That(output.Packets, Has.Count.EqualTo(2), "SYN and the first data packet go on");
        Assert.That(window.PacketsFaulted, Is.EqualTo(1));
        Assert.That(window.LastFault!.Message, Is.EqualTo("bad window"));
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
