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
    public void FieldsResetOnReceive_LieInTheFirst64Bytes()
    {
        var desc = default(PacketDesc);
        var d = &desc;
        ref var h = ref d->Headers;
        var hot = new[]
        {
            Offset(d, &d->Buffer) + 8, Offset(d, &d->Data) + 8, Offset(d, &d->Length) + 4, Offset(d, &d->Capacity) + 4,
            Offset(d, &d->FlowHash) + 4, Offset(d, &d->PoolId) + 2, Offset(d, &d->InputPort) + 2, Offset(d, &d->MetadataValid) + 1,
            Offset(d, Unsafe.AsPointer(ref h.NetworkEnd)) + 2, Offset(d, Unsafe.AsPointer(ref h.Depth)) + 1,
            Offset(d, Unsafe.AsPointer(ref h.IpProtocol)) + 1, Offset(d, Unsafe.AsPointer(ref h.NonFirstFragment)) + 1,
            Offset(d, Unsafe.AsPointer(ref h.ByKind[7])) + 2,
        };
        Assert.That(hot, Is.All.LessThanOrEqualTo(64));
        Assert.That(sizeof(PacketDesc), Is.LessThanOrEqualTo(192), "fits the mbuf private area and the pool's descriptor slot");
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
