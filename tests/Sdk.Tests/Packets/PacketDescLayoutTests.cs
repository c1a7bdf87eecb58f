using System.Runtime.CompilerServices;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Packets;

/// <summary>
/// The descriptor keeps everything a receive resets in its first cache line (a DPDK receive then writes one
/// line per packet), clears the header stack with a few wide stores, and clears metadata on first use.
/// </summary>
public sealed unsafe class PacketDescLayoutTests
{
    private static int Offset(PacketDesc* d, void* field) => (int)((byte*)field - (byte*)d);

    [Test]
    public void FieldsResetOnReceive_LieInOneCacheLine_AfterTheMbufPart()
    {
        var desc = default(PacketDesc);
        var d = &desc;
        ref var h = ref d->Headers;
        var reset = new[]
        {
            (Offset(d, &d->FlowHash), 4), (Offset(d, &d->PoolId), 2), (Offset(d, &d->InputPort), 2), (Offset(d, &d->MetadataValid), 1),
            (Offset(d, Unsafe.AsPointer(ref h.ByKind[0])), 16), (Offset(d, Unsafe.AsPointer(ref h.NetworkEnd)), 2), (Offset(d, Unsafe.AsPointer(ref h.Depth)), 1),
            (Offset(d, Unsafe.AsPointer(ref h.IpProtocol)), 1), (Offset(d, Unsafe.AsPointer(ref h.NonFirstFragment)), 1),
        };
        Assert.That(reset.Select(f => f.Item1), Is.All.GreaterThanOrEqualTo(PacketDesc.MbufBytes), "outside the rte_mbuf the driver writes");
        Assert.That(reset.Select(f => f.Item1 + f.Item2), Is.All.LessThanOrEqualTo(PacketDesc.MbufBytes + 64), "one cache line");
        Assert.That(sizeof(PacketDesc), Is.EqualTo(PacketDesc.Size));
        Assert.That(Offset(d, &d->Metadata) + PacketDesc.MetadataBytes, Is.LessThanOrEqualTo(PacketDesc.Size));
    }

    [Test]
    public void TheMbufPart_MirrorsDpdk2211sRteMbuf()
    {
        // Offsets from DPDK 22.11's rte_mbuf_core.h (the host also checks them against the linked DPDK at run time).
        var desc = default(PacketDesc);
        var d = &desc;
        Assert.That(new[] { Offset(d, &d->Buffer), Offset(d, &d->DataOffset), Offset(d, &d->Segments), Offset(d, &d->PacketLength),
                Offset(d, &d->DataLength), Offset(d, &d->BufferLength), Offset(d, &d->Mempool) },
            Is.EqualTo(new[] { 0, 16, 20, 36, 40, 54, 56 }));
        var buffer = stackalloc byte[64];
        d->Buffer = buffer;
        d->Data = buffer + 10;
        d->Length = 30;
        Assert.That((d->DataOffset, d->DataLength, d->Headroom), Is.EqualTo(((ushort)10, (ushort)30, 10)));
    }

    [Test]
    public void Clear_EmptiesTheStackAndTheIpState()
    {
        var frame = new byte[64];
        int n = FrameBuilder.Ipv4Udp(frame, Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 1000, 53, [], frameSize: 64);
        var d = TestPool.Make(frame.AsSpan(0, n));
        try
        {
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            d->Headers.Fragment = d->Headers.NonFirstFragment = true;
            d->Headers.Clear();
            ref var h = ref d->Headers;
            Assert.That((h.Depth, h.IpProtocol, h.Fragment, h.NonFirstFragment, h.NetworkEnd), Is.EqualTo(((byte)0, (byte)0, false, false, (ushort)0)));
            for (int k = 0; k < 8; k++) Assert.That(h.ByKind[k], Is.EqualTo(PacketDesc.Absent), $"kind {k}");
            Assert.That(new Packet(d).Has(HeaderKind.Ipv4), Is.False);
        }
        finally { TestPool.Free(d); }
    }

    [Test]
    public void Metadata_OfAFreshlyReceivedPacket_ReadsZero_ThenKeepsWhatIsWritten()
    {
        var d = TestPool.Make(new byte[60]);
        try
        {
            new Packet(d).Metadata<long>() = 42;
            d->ResetForReceive(d->Headroom, 60, 0); // the buffer is reused for another packet: old bytes are still there
            var p = new Packet(d);
            Assert.That(p.Metadata<long>(), Is.Zero);
            p.Metadata<long>() = 7;
            Assert.That(new Packet(d).Metadata<long>(), Is.EqualTo(7));
        }
        finally { TestPool.Free(d); }
    }
}
