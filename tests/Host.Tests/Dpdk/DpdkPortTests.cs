using Switchboard.Host.Config;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>A DPDK port on its own, driven by hand: net_ring loops each TX queue back to its RX queue.</summary>
public sealed unsafe class DpdkPortTests
{
    private static DpdkPortSpec Spec(string device) => new("p", "$.ports.p") { Device = device };

    private static byte[] Frame(int i)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.0.0.1") + (uint)i, Ipv4.Address("10.9.0.1"), (ushort)(1000 + i), 53, new byte[i % 40]);
        return buf[..n];
    }

    private static byte[] Bytes(PacketDesc* d) => new ReadOnlySpan<byte>(d->Data, d->Length).ToArray();

    [Test]
    public void RingLoopback_ReceivesWhatWasSent_AsViewsOverMbufData()
    {
        using var pool = new DpdkPool(1023, 0);
        int start = pool.InUse;
        using (var port = new DpdkPort(Spec("net_ring10"), 3, 1, pool))
        {
            var descs = stackalloc PacketDesc*[32];
            Assert.That(pool.AllocBulk(descs, 20), Is.EqualTo(20));
            var sent = new List<byte[]>();
            for (int i = 0; i < 20; i++)
            {
                var f = Frame(i);
                // Send from 8 bytes further in than the mbuf's default headroom: the port must write data_off back.
                descs[i]->Data += 8;
                f.CopyTo(new Span<byte>(descs[i]->Data, f.Length));
                descs[i]->Length = f.Length;
                new Packet(descs[i]).Metadata<long>() = 42; // net_ring hands this very mbuf back: the receive must forget it
                sent.Add(f);
            }
            Assert.That(port.Send(0, descs, 20), Is.EqualTo(20));

            var got = stackalloc PacketDesc*[32];
            int n = port.Receive(0, got, 32);
            Assert.That(n, Is.EqualTo(20));
            var received = new List<byte[]>();
            for (int i = 0; i < n; i++)
            {
                var d = got[i];
                received.Add(Bytes(d));
                Assert.That(d->Headroom, Is.EqualTo(pool.Headroom + 8));
                Assert.That(BufferPools.PoolIdOf(d), Is.EqualTo(pool.Id), "the pool is found by the mbuf's mempool");
                Assert.That(d->InputPort, Is.EqualTo(3));
                Assert.That(d->MetadataValid, Is.False, "metadata of the packet's earlier life");
                Assert.That(new Packet(d).Metadata<long>(), Is.Zero);
                Assert.That(d->Tailroom, Is.GreaterThanOrEqualTo(0));
                Assert.That(d->Mempool, Is.EqualTo(pool.Mempool), "the descriptor is its mbuf");
                Assert.That((long)(d->Data - d->Buffer), Is.EqualTo((long)DpdkNative.MbufDataOff((nint)d)), "geometry read straight from the mbuf");
                Assert.That(d->Length, Is.EqualTo(DpdkNative.MbufDataLen((nint)d)));
            }
            Assert.That(received, Is.EqualTo(sent));
            Assert.That(port.Counters.TxPackets, Is.EqualTo(20));
            Assert.That(port.Counters.RxPackets, Is.EqualTo(20));
            Assert.That(port.Counters.RxBytes, Is.EqualTo(sent.Sum(f => (long)f.Length)));
            BufferPools.FreeBulk(got, n);
            var stats = port.Statistics();
            Assert.That(stats.TxPackets, Is.EqualTo(20UL));
            Assert.That(port.Link().Up, Is.True);
        }
        Assert.That(pool.InUse, Is.EqualTo(start));
    }

    [Test]
    public void DriverThatResetsMbufs_ReceivesWithoutAStore_PortAndPoolComeFromTheMbuf()
    {
        using var pool = new DpdkPool(1023, 0);
        int start = pool.InUse;
        using (var port = new DpdkPort(Spec("net_null10,size=64"), 4, 1, pool))
        {
            Assert.That(DpdkPort.DriversThatResetMbufs, Does.Contain(port.Info.Driver));
            var got = stackalloc PacketDesc*[32];
            int n = port.Receive(0, got, 32);
            Assert.That(n, Is.EqualTo(32));
            for (int i = 0; i < n; i++)
            {
                var d = got[i];
                Assert.That(d->Port, Is.EqualTo(port.PortId), "the driver's own write: its ethdev id");
                Assert.That(d->InputPort, Is.EqualTo(4), "mapped to the switch port");
                Assert.That(d->MetadataValid, Is.False);
                Assert.That(BufferPools.PoolIdOf(d), Is.EqualTo(pool.Id));
                Assert.That(d->Length, Is.EqualTo(64));
                new Packet(d).Metadata<long>() = 9; // marks the mbuf; the next receive of it must not see this
            }
            BufferPools.FreeBulk(got, n);
            n = port.Receive(0, got, 32); // the same mbufs again, from the mempool cache or ring
            for (int i = 0; i < n; i++) Assert.That(got[i]->MetadataValid, Is.False);
            BufferPools.FreeBulk(got, n);
        }
        Assert.That(pool.InUse, Is.EqualTo(start));
    }

    [Test]
    public void ManagedPackets_AreCopiedIntoMbufs_AndTheirBuffersFreed()
    {
        using var dpdkPool = new DpdkPool(1023, 0);
        using var managed = new NativePool("managed", 64, 1);
        using (var port = new DpdkPort(Spec("net_ring11"), 0, 1, dpdkPool))
        {
            var descs = stackalloc PacketDesc*[8];
            Assert.That(managed.AllocBulk(descs, 8), Is.EqualTo(8));
            var sent = new List<byte[]>();
            for (int i = 0; i < 8; i++)
            {
                var f = Frame(i);
                f.CopyTo(new Span<byte>(descs[i]->Data, f.Length));
                descs[i]->Length = f.Length;
                sent.Add(f);
            }
            Assert.That(port.Send(0, descs, 8), Is.EqualTo(8));
            Assert.That(managed.InUse, Is.Zero, "the managed buffers go back to their pool once copied");

            var got = stackalloc PacketDesc*[8];
            int n = port.Receive(0, got, 8);
            var received = new List<byte[]>();
            for (int i = 0; i < n; i++) received.Add(Bytes(got[i]));
            Assert.That(received, Is.EqualTo(sent));
            BufferPools.FreeBulk(got, n);
        }
        Assert.That(dpdkPool.InUse, Is.Zero);
    }

    [Test]
    public void TxFailure_FreesWhatTheDeviceRefused_AndCountsIt()
    {
        using var pool = new DpdkPool(4095, 0);
        var port = new DpdkPort(Spec("net_ring12"), 0, 1, pool);
        var descs = stackalloc PacketDesc*[32];
        var frame = Frame(1);
        long accepted = 0;
        for (int burst = 0; burst < 64; burst++) // 2048 packets into a ring that holds 1023, nobody receiving
        {
            Assert.That(pool.AllocBulk(descs, 32), Is.EqualTo(32));
            for (int i = 0; i < 32; i++)
            {
                frame.CopyTo(new Span<byte>(descs[i]->Data, frame.Length));
                descs[i]->Length = frame.Length;
            }
            accepted += port.Send(0, descs, 32);
        }
        Assert.That(port.Counters.TxDropped, Is.GreaterThan(0));
        Assert.That(accepted + port.Counters.TxDropped, Is.EqualTo(2048));
        Assert.That(port.Counters.TxPackets, Is.EqualTo(accepted));
        Assert.That(port.Counters.TxBytes, Is.EqualTo(accepted * frame.Length), "refused packets are not TX bytes");
        Assert.That(pool.InUse, Is.EqualTo(accepted), "refused mbufs are back in the pool; accepted ones wait in the ring");
        port.Dispose();
        Assert.That(pool.InUse, Is.Zero, "disposing the port frees what was still queued in the device");
    }

    [Test]
    public void AnotherPoolsMbuf_IsRefused_AndBothPoolsStayExact()
    {
        using var pool = new DpdkPool(1023, 0);
        using var other = new DpdkPool(1023, 0);
        var descs = stackalloc PacketDesc*[4];
        Assert.That(pool.AllocBulk(descs, 2), Is.EqualTo(2));
        Assert.That(other.AllocBulk(descs + 2, 2), Is.EqualTo(2));
        var ex = Assert.Throws<InvalidOperationException>(() => pool.FreeBulk(descs, 4));
        Assert.That(ex!.Message, Does.Contain("2 buffer(s) not owned by this pool"));
        Assert.That((pool.InUse, other.InUse), Is.EqualTo((0, 2)));
        BufferPools.FreeBulk(descs + 2, 2); // the registry finds each mbuf's own pool by its mempool
        Assert.That(other.InUse, Is.Zero);
    }

    [Test]
    public void AllocBulk_GivesWhatIsLeft_WhenThePoolRunsLow()
    {
        using var pool = new DpdkPool(255, 0);
        var descs = new nint[300];
        fixed (nint* p = descs)
        {
            int got = pool.AllocBulk((PacketDesc**)p, 300);
            Assert.That(got, Is.InRange(128, 255));
            Assert.That(pool.InUse, Is.EqualTo(got));
            BufferPools.FreeBulk((PacketDesc**)p, got);
        }
        Assert.That(pool.InUse, Is.Zero);
    }

    [Test]
    public void TooManyQueuesForTheDevice_FailsClearly_AndDetachesIt()
    {
        using var pool = new DpdkPool(1023, 0);
        var spec = Spec($"net_pcap10,rx_pcap={DpdkEnvironment.SamplePcap}");
        var ex = Assert.Throws<DpdkUnavailableException>(() => new DpdkPort(spec, 0, 2, pool));
        Assert.That(ex!.Reason, Does.Contain("has 1 RX / 1 TX queue(s), but the deployment runs 2 core(s)"));
        // Detached again: the same device can be attached afresh.
        using var port = new DpdkPort(spec, 0, 1, pool);
        Assert.That(port.Info.Driver, Is.EqualTo("net_pcap"));
    }

    [Test]
    public void SecondEalStart_WithOtherArguments_KeepsTheFirstAndSaysSo()
    {
        var messages = new List<string>();
        DpdkEal.Initialize(["--no-huge", "-m", "256"], messages.Add);
        Assert.That(messages.Single(), Does.Contain("already running"));
        Assert.That(DpdkEal.Arguments, Is.EqualTo(DpdkEal.EffectiveArguments(DpdkEnvironment.Eal)));
    }
}
