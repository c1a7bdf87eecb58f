using Switchboard.Plugins.Ttl;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Plugins.Tests.Ttl;

public class TtlNfTests
{
    [Test]
    public void DecrementsTtlKeepsChecksumValidAndDropsAtZero()
    {
        var h = new GraphHarness();
        var output = h.Capture(new TtlNf().Build(h.Input, h.NfContext("ttl")));
        h.Push(Frames.Tcp(ttl: 64), Frames.Udp(ttl: 2), Frames.Tcp(ttl: 1), Frames.Tcp(ttl: 0));
        Assert.That(output.Packets.Select(p => p.Bytes[14 + 8]), Is.EqualTo(new byte[] { 63, 1 }));
        foreach (var p in output.Packets)
            Assert.That(Switchboard.Sdk.Checksum.Compute(p.Bytes.AsSpan(14, 20)), Is.Zero, "IPv4 header checksum valid after the incremental update");
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
