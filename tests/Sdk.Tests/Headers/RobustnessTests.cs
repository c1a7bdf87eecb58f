using System.Buffers.Binary;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

/// <summary>Seeded random mutations and truncations of valid frames: parsing never throws, and every
/// pushed header, and every span an accessor returns, lies inside the packet.</summary>
public unsafe class RobustnessTests
{
    private static byte[][] BaseFrames()
    {
        var buf = new byte[256];
        int n = FrameBuilder.Ipv6Udp(buf, Src6, Dst6, 1, 2, Fill(6));
        var v6udp = buf[..n];
        var quote = Cat(Ip4(Ipv4.ProtoUdp, 8), Udp(1, 2, 0));
        var inner6 = Cat(Ip6(Ipv4.ProtoTcp, 24), Raw.Tcp(options: [2, 4, 5, 0xB4]));
        return
        [
            V4Tcp(ipOptions: [0x94, 4, 0, 0], tcpOptions: [2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0], payload: 5),
            Cat(V4Udp(payload: 3), new byte[13]),
            Cat(Eth(Ethernet.TypeIpv4, (Ethernet.TypeQinQ, 7), (Ethernet.TypeVlan, 9)), Ip4(Ipv4.ProtoIcmp, 8 + quote.Length), Icmp(3, 3, 0, 0), quote),
            V6(Ipv6.ExtHopByHop, Cat(Ext(Ipv6.ExtRouting), Ext(Ipv6.ExtFragment, 2), Frag(Ipv6.ExtAuthentication, 0, true), Ah(Ipv4.ProtoTcp)), Raw.Tcp(options: [2, 4, 5, 0xB4])),
            V6(Ipv4.ProtoIcmpv6, [], Cat(Icmp(1, 0, 0, 0), Ip6(17, 0))),
            v6udp,
            Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIpv6, inner6.Length, flagsFragment: 0x2000), inner6),
        ];
    }

    private static readonly HeaderKind[] Transports = [HeaderKind.Tcp, HeaderKind.Udp, HeaderKind.Icmp, HeaderKind.Icmpv6];

    [Test]
    public void RandomMutations_NeverThrowAndStayInBounds()
    {
        var rng = new Random(20260);
        var bases = BaseFrames();
        var oks = new int[8];
        for (int iter = 0; iter < 20000; iter++)
        {
            var frame = (byte[])bases[rng.Next(bases.Length)].Clone();
            Mutate(rng, ref frame);
            if (frame.Length == 0) frame = [0];
            var d = TestPool.Make(frame);
            try
            {
                ParseEverything(d, oks);
                Exercise(d);
                while (d->Headers.Depth > 0)
                {
                    HeaderParser.Deparse(d);
                    CheckStack(d);
                    Exercise(d);
                }
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"iteration {iter}: {e.GetType().Name}: {e.Message}\nframe {Convert.ToHexString(frame)}");
            }
            finally { TestPool.Free(d); }
        }
        // The mutations must leave enough frames valid that deep parses are exercised too.
        Assert.That(oks[(int)HeaderKind.Tcp], Is.GreaterThan(500));
        Assert.That(oks[(int)HeaderKind.Udp], Is.GreaterThan(500));
        Assert.That(oks[(int)HeaderKind.Icmp] + oks[(int)HeaderKind.Icmpv6], Is.GreaterThan(500));
    }

    private static void Mutate(Random rng, ref byte[] f)
    {
        int edits = rng.Next(0, 4);
        for (int e = 0; e < edits; e++)
        {
            int region = Math.Min(f.Length, rng.Next(4) == 0 ? f.Length : 90); // mostly header bytes
            if (region == 0) break;
            int at = rng.Next(region);
            switch (rng.Next(5))
            {
                case 0: f[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: f[at] = (byte)rng.Next(256); break;
                case 2: f[at] = (byte)(rng.Next(6) switch { 0 => 0, 1 => 0xFF, 2 => 0x45, 3 => 0x4F, 4 => 0x60, _ => 0x81 }); break;
                case 3: if (at + 2 <= f.Length) BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at), (ushort)rng.Next(65536)); break;
                default: if (at + 2 <= f.Length) BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at), (ushort)rng.Next(0, 80)); break;
            }
        }
        if (rng.Next(3) == 0) f = f[..rng.Next(f.Length + 1)];
    }

    private static void ParseEverything(PacketDesc* d, int[] oks)
    {
        void Try(HeaderKind k)
        {
            if (HeaderParser.Parse(d, k) == ParseStatus.Ok) oks[(int)k]++;
            CheckStack(d);
        }
        Try(HeaderKind.Ethernet);
        for (int layer = 0; layer < 2; layer++) // outer and tunnelled IP
        {
            Try(HeaderKind.Ipv4);
            if (d->Headers.Top is not (HeaderKind.Ipv4)) Try(HeaderKind.Ipv6);
        }
        foreach (var k in Transports) Try(k);
        // Something parsed on top of a transport header (VXLAN-style inner Ethernet), then IP again.
        Try(HeaderKind.Ethernet);
        Try(HeaderKind.Ipv4);
        Try(HeaderKind.Udp);
    }

    private static int SizeOf(HeaderKind k) => k switch
    {
        HeaderKind.Ethernet => sizeof(Ethernet),
        HeaderKind.Ipv4 => sizeof(Ipv4),
        HeaderKind.Ipv6 => sizeof(Ipv6),
        HeaderKind.Tcp => sizeof(Tcp),
        HeaderKind.Udp => sizeof(Udp),
        _ => sizeof(Icmp),
    };

    private static void CheckStack(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        for (int i = 0; i < h.Depth; i++)
        {
            var k = (HeaderKind)h.Kinds[i];
            Assert.That(h.Lengths[i], Is.GreaterThanOrEqualTo(SizeOf(k)), $"{k} shorter than its struct");
            Assert.That(h.Offsets[i] + h.Lengths[i], Is.LessThanOrEqualTo(d->Length), $"{k} past the packet end");
            if (i > 0) Assert.That(h.Offsets[i], Is.EqualTo(h.Offsets[i - 1] + h.Lengths[i - 1]), "headers are contiguous");
        }
        for (int k = 1; k < 8; k++)
        {
            int top = -1;
            for (int i = 0; i < h.Depth; i++) if (h.Kinds[i] == k) top = i;
            Assert.That(h.ByKind[k], Is.EqualTo(top < 0 ? PacketDesc.Absent : h.Offsets[top]), $"index of {(HeaderKind)k}");
        }
        Assert.That(h.PayloadOffset, Is.LessThanOrEqualTo(h.PayloadEnd(d->Length)));
        Assert.That(h.PayloadEnd(d->Length), Is.LessThanOrEqualTo(d->Length));
    }

    private static void Inside(PacketDesc* d, ReadOnlySpan<byte> s, string what)
    {
        if (s.IsEmpty) return;
        fixed (byte* p = s)
        {
            Assert.That(p >= d->Data && p + s.Length <= d->Data + d->Length, Is.True, $"{what} lies outside the packet");
        }
    }

    private static void Exercise(PacketDesc* d)
    {
        var p = new Packet(d);
        Inside(d, p.Payload, "payload");
        for (var k = HeaderKind.Ethernet; k <= HeaderKind.Icmpv6; k++)
            if (p.Has(k)) Inside(d, p.HeaderBytes(k), k.ToString());
        if (p.Has(HeaderKind.Ethernet)) _ = p.VlanId + p.InnerVlanId + p.VlanPriority + p.EtherType;
        if (p.Has(HeaderKind.Ipv4))
        {
            Inside(d, p.Ipv4Options, "IPv4 options");
            _ = p.IsIpv4HeaderChecksumValid();
            _ = p.Ipv4.TotalLength + p.Ipv4.HeaderLength;
        }
        if (p.Has(HeaderKind.Tcp))
        {
            var o = p.TcpOptions;
            Inside(d, o.Bytes, "TCP options");
            foreach (var opt in o) Inside(d, opt.Data, "TCP option");
            _ = o.TryGetMss(out _) | o.TryGetWindowScale(out _) | o.SackPermitted | o.TryGetTimestamps(out _, out _) | o.IsWellFormed;
        }
        if (p.Has(HeaderKind.Icmp) || p.Has(HeaderKind.Icmpv6))
        {
            Inside(d, p.IcmpQuotedPacket, "ICMP quote");
            Inside(d, p.IcmpQuotedIpHeader, "ICMP quoted header");
        }
        if (p.TryComputeTransportChecksum(out _)) _ = p.IsTransportChecksumValid();
        p.FlowHash = 0;
        if (FlowKey.TryGet(p, out var key)) Assert.That(FlowKey.HashOf(p), Is.EqualTo(key.Hash() == 0 ? 0x9E3779B9 : key.Hash()));
    }
}
