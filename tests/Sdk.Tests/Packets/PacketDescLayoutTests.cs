using System.Runtime.CompilerServices;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Packets;

/// <summary>
/// A DPDK receive writes nothing into the descriptor: the input port and the "metadata is this packet's" flag live in
/// rte_mbuf fields the driver writes anyway (port, ol_flags). What an NF's entry resets lies in one cache line and is
/// cleared with a few wide stores; metadata is cleared on first use.
/// </summary>
public sealed unsafe class PacketDescLayoutTests
{
    private static int Offset(PacketDesc* d, void* field) => (int)((byte*)field - (byte*)d);

    [Test]
    public void FieldsResetAtNfEntry_LieInOneCacheLine_AfterTheMbufPart()
    {
        var desc = default(PacketDesc);
        var d = &desc;
        ref var h = ref d->Headers;
        var reset = new[]
        {
            (Offset(d, &d->FlowHash), 4),
            (Offset(d, Unsafe.AsPointer(ref h.ByKind[0])), 16), (Offset(d, Unsafe.AsPointer(ref h.NetworkEnd)), 2), (Offset(d, Unsafe.AsPointer(ref h.Depth)), 1),
            (Offset(d, Unsafe.AsPointer(ref h.IpProtocol)), 1), (Offset(d, Unsafe.AsPointer(ref h.FragmentWord)), 2),
        };
        Assert.That(reset.Select(f => f.Item1), Is.All.GreaterThanOrEqualTo(PacketDesc.MbufBytes), "outside the rte_mbuf the driver writes");
        Assert.That(reset.Select(f => f.Item1 + f.Item2), Is.All.LessThanOrEqualTo(PacketDesc.MbufBytes + 64), "one cache line");
        Assert.That(sizeof(PacketDesc), Is.EqualTo(PacketDesc.Size));
        Assert.That(Offset(d, &d->Metadata) + PacketDesc.MetadataBytes, Is.LessThanOrEqualTo(PacketDesc.Size));
    }

    [Test]
    public void StackOffsets_TheWideWritesUse_MatchTheFields()
    {
        var desc = default(PacketDesc);
        ref var h = ref desc.Headers;
        byte* s = (byte*)Unsafe.AsPointer(ref h);
        int At(void* field) => (int)((byte*)field - s);
        Assert.That(new[] { At(Unsafe.AsPointer(ref h.NetworkEnd)), At(Unsafe.AsPointer(ref h.Depth)), At(Unsafe.AsPointer(ref h.IpProtocol)),
                At(Unsafe.AsPointer(ref h.FragmentWord)), At(Unsafe.AsPointer(ref h.Kinds[0])), At(Unsafe.AsPointer(ref h.Offsets[0])), At(Unsafe.AsPointer(ref h.Lengths[0])) },
            Is.EqualTo(new[] { HeaderStack.OffNetworkEnd, HeaderStack.OffNetworkEnd + 2, HeaderStack.OffNetworkEnd + 3,
                HeaderStack.OffFragment, HeaderStack.OffKinds, HeaderStack.OffOffsets, HeaderStack.OffLengths }));
    }

    [Test]
    public void TheMbufPart_MirrorsDpdk2211sRteMbuf()
    {
        // Offsets from DPDK 22.11's rte_mbuf_core.h (the host also checks them against the linked DPDK at run time).
        var desc = default(PacketDesc);
        var d = &desc;
        Assert.That(new[] { Offset(d, &d->Buffer), Offset(d, &d->DataOffset), Offset(d, &d->Segments), Offset(d, &d->Port),
                Offset(d, &d->OffloadFlags), Offset(d, &d->PacketLength), Offset(d, &d->DataLength), Offset(d, &d->BufferLength), Offset(d, &d->Mempool) },
            Is.EqualTo(new[] { 0, 16, 20, 22, 24, 36, 40, 54, 56 }));
        var buffer = stackalloc byte[64];
        d->Buffer = buffer;
        d->Data = buffer + 10;
        d->Length = 30;
        Assert.That((d->DataOffset, d->DataLength, d->Headroom), Is.EqualTo(((ushort)10, (ushort)30, 10)));
    }

    [Test]
    public void InputPort_IsTheHostsIndex_OrTheEthdevIdADriverWrote_MappedToItsSwitchPort()
    {
        var desc = default(PacketDesc);
        var d = &desc;
        d->InputPort = 5;
        Assert.That((d->InputPort, d->Port), Is.EqualTo(((ushort)5, (ushort)(5 | WirePorts.Local))));
        WirePorts.MapEthdev(7, 3);
        d->Port = 7; // what a DPDK driver writes on receive: its ethdev id
        Assert.That(d->InputPort, Is.EqualTo(3));
        Assert.That(new Packet(d).InputPort, Is.EqualTo(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => WirePorts.MapEthdev(WirePorts.MaxEthdevs, 1));
    }

    [Test]
    public void MetadataValid_IsOneOffloadFlag_AndLeavesTheOthers()
    {
        var desc = default(PacketDesc);
        var d = &desc;
        d->OffloadFlags = 0b101; // offload bits a driver set
        d->MetadataValid = true;
        Assert.That(d->OffloadFlags, Is.EqualTo(0b101 | (1UL << 23)));
        d->StampReceived(2);
        Assert.That((d->MetadataValid, d->OffloadFlags, d->InputPort), Is.EqualTo((false, 0b101UL, (ushort)2)));
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
            d->Headers.FragmentWord = 0xFF3F; // MF and an offset: a non-first fragment
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
