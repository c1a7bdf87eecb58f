using System.Text;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

public class PacketizeTests
{
    private const string Body = "hello from the client, this stream is rewritten by the window udf!";

    [Test]
    public void ConsumeMode_ReplacesDataWithValidPacketizedSegments()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 16, Consume = true, MaxSegmentSize = 10 }, emitUpper: true);
        var c = new Conversation(clientIsn: 0xFFFF_FFF0);
        rig.Push(c.Syn(), c.SynAck(), c.Data(20, Body[20..40]), c.Data(0, Body[..20]), c.Data(40, Body[40..]), c.Fin(Body.Length));

        var outFrames = rig.Output.Packets.Select(p => p.Bytes).ToList();
        var segs = outFrames.Select(Segment.ParseIpv4).ToList();
        Assert.That(segs[0].Flags, Is.EqualTo(Tcp.Syn), "the SYN passes");
        Assert.That(segs[1].Flags, Is.EqualTo(Tcp.Syn | Tcp.Ack), "the SYN-ACK passes");
        var data = segs.Skip(2).ToList();
        Assert.That(data.All(s => s.IpChecksumOk && s.TcpChecksumOk), Is.True);
        Assert.That(data.All(s => s.Payload.Length <= 10), Is.True);
        Assert.That(data.Select(s => s.IpId).Distinct().Count(), Is.EqualTo(data.Count), "each packet gets its own IP ID");
        // Sequence numbers continue where each segment left off, from the ISN + 1, across the wrap.
        uint expect = 0xFFFF_FFF1;
        foreach (var s in data)
        {
            Assert.That(s.Seq, Is.EqualTo(expect));
            Assert.That(s.Ack, Is.EqualTo(5001u));
            expect += (uint)s.Payload.Length + ((s.Flags & Tcp.Fin) != 0 ? 1u : 0u);
        }
        Assert.That(data[^1].Flags & Tcp.Fin, Is.EqualTo(Tcp.Fin), "the close is sent after the data");
        Assert.That(Encoding.ASCII.GetString(data.SelectMany(s => s.Payload).ToArray()), Is.EqualTo(Body.ToUpperInvariant()));
        Assert.That(rig.Output.Packets.Skip(2).All(p => p.Top == HeaderKind.Tcp && p.Depth == 3), Is.True, "headers are parsed again for downstream nodes");
        Assert.That(Segment.AllParseAsIpv4Tcp(outFrames), Is.True);
        Assert.That(rig.Node.Consumed, Is.EqualTo(4));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void ConsumeMode_TimeoutTailIsEmittedFromThePoll()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, Consume = true, Timeout = TimeSpan.FromSeconds(1) }, emitUpper: true);
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "abc"));
        Assert.That(rig.Output.Packets, Has.Count.EqualTo(1));
        Assert.That(rig.PollAfter(TimeSpan.FromSeconds(2)), Is.EqualTo(1));
        var seg = Segment.ParseIpv4(rig.Output.Packets[1].Bytes);
        Assert.That((seg.Seq, Encoding.ASCII.GetString(seg.Payload), seg.TcpChecksumOk), Is.EqualTo((1001u, "ABC", true)));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void ConsumeMode_FinWhoseGapNeverFills_IsSentAfterTheTimeoutTail()
    {
        var rig = new WindowRig(new WindowOptions { WindowSize = 100, Consume = true, Timeout = TimeSpan.FromSeconds(1) }, emitUpper: true);
        var c = new Conversation();
        rig.Push(c.Syn(), c.Data(0, "ab"), c.Data(5, "fg", Tcp.Fin));
        rig.PollAfter(TimeSpan.FromSeconds(2));
        var segs = rig.Output.Packets.Skip(1).Select(p => Segment.ParseIpv4(p.Bytes)).ToList();
        Assert.That(segs.Select(s => Encoding.ASCII.GetString(s.Payload)), Is.EqualTo(new[] { "AB", "FG", "" }));
        Assert.That(segs[^1].Flags & Tcp.Fin, Is.EqualTo(Tcp.Fin));
        Assert.That(rig.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void StandalonePacketizer_SegmentsBytesBehindATemplatePacket()
    {
        var h = new GraphHarness();
        var pz = new Packetizer { MaxSegmentSize = 100 };
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Transform(new ReplyWith(pz, 250)).Packetize(pz));
        var template = Frames.Tcp(seq: 77, ack: 99, payload: [1, 2, 3]);
        h.Push(template);

        Assert.That(output.Packets[0].Bytes, Is.EqualTo(template), "the packet itself passes first");
        var segs = output.Packets.Skip(1).Select(p => Segment.ParseIpv4(p.Bytes)).ToList();
        Assert.That(segs.Select(s => s.Payload.Length), Is.EqualTo(new[] { 100, 100, 50 }));
        Assert.That(segs.Select(s => s.Seq), Is.EqualTo(new uint[] { 1000, 1100, 1200 }));
        Assert.That(segs.Select(s => s.Flags), Is.EqualTo(new byte[] { Tcp.Ack | Tcp.Psh, Tcp.Ack | Tcp.Psh, Tcp.Ack | Tcp.Psh | Tcp.Fin }));
        Assert.That(segs.All(s => s.IpChecksumOk && s.TcpChecksumOk && s.Ack == 99), Is.True);
        Assert.That(segs.Select(s => s.IpTotalOrPayloadLength), Is.EqualTo(new[] { 140, 140, 90 }));
        Assert.That(segs.SelectMany(s => s.Payload), Is.EqualTo(ReplyWith.Bytes(250)));
        Assert.That(pz.PacketsSent, Is.EqualTo(3));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void StandalonePacketizer_Ipv6()
    {
        var h = new GraphHarness();
        var pz = new Packetizer { MaxSegmentSize = 64 };
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv6>().Parse<Tcp>().Transform(new ReplyWith(pz, 100)).Packetize(pz));
        h.Push(Segment.Ipv6Tcp(Ipv6Address.Parse("2001:db8::1"), Ipv6Address.Parse("2001:db8::2"), 1234, 80, 5, 6, Tcp.Ack, [9]));

        var segs = output.Packets.Skip(1).Select(p => Segment.ParseIpv6(p.Bytes)).ToList();
        Assert.That(segs.Select(s => s.Payload.Length), Is.EqualTo(new[] { 64, 36 }));
        Assert.That(segs.Select(s => s.IpTotalOrPayloadLength), Is.EqualTo(new[] { 84, 56 }));
        Assert.That(segs.All(s => s.TcpChecksumOk), Is.True);
        Assert.That(output.Packets.Skip(1).All(p => p.Top == HeaderKind.Tcp), Is.True);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void PacketizerOutsideAGraph_FaultsThePacket()
    {
        var h = new GraphHarness();
        var pz = new Packetizer();
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Transform(new ReplyWith(pz, 10)));
        h.Push(Frames.Tcp());
        var faulted = h.Builder.Nodes.Where(n => n.PacketsFaulted > 0).ToList();
        Assert.That(faulted, Has.Count.EqualTo(1));
        Assert.That(faulted[0].LastFault, Is.InstanceOf<InvalidOperationException>());
        Assert.That(output.Packets, Is.Empty);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    private readonly struct ReplyWith(Packetizer pz, int length) : ITransform
    {
        public static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();

        public void Transform(Packet packet) => pz.Send(packet, Bytes(length), 1000, lastFlags: Tcp.Fin);
    }
}
