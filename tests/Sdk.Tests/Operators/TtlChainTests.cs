using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class TtlChainTests
{
    private struct DecrementTtl : ITransform { public void Transform(Packet p) => p.Ipv4.Ttl--; }
    private struct TtlAlive : IFilter { public bool Keep(Packet p) => p.Ipv4.Ttl != 0; }

    [Test]
    public void Listing1_DecrementsTtlAndDropsExpired()
    {
        var h = new GraphHarness();
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Transform<DecrementTtl>().Filter<TtlAlive>());
        h.Push(Frames.Tcp(ttl: 5), Frames.Tcp(ttl: 1), Frames.Udp(ttl: 64));
        Assert.That(output.Packets, Has.Count.EqualTo(2));
        Assert.That(output.Packets[0].Bytes[14 + 8], Is.EqualTo(4));
        Assert.That(output.Packets[1].Bytes[14 + 8], Is.EqualTo(63));
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
