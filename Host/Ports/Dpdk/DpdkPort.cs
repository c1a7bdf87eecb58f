using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Switchboard.Host.Config;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// "dpdk": a DPDK ethdev with one RX/TX queue pair per core (RSS over IP/TCP/UDP when the device supports it).
/// Zero copy: an mbuf is a packet descriptor (<see cref="PacketDesc"/> mirrors rte_mbuf), so a received burst is
/// the batch as the driver returned it and a batch is sent as it stands; NFs that push or trim headers change
/// the mbuf's own data_off and data_len, and send sets pkt_len to match.
/// Packets from a managed pool are copied into fresh mbufs. What the device does not take is freed and
/// counted as a TX drop. Multi-segment mbufs (frames larger than a buffer) are dropped at receive and counted.
/// </summary>
internal sealed unsafe class DpdkPort : IPort, IPortStatus
{
    // RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP (rte_ethdev.h): hash on addresses and ports.
    private const ulong RssIpTcpUdp = (1UL << 2) | (1UL << 3) | (1UL << 7) | (1UL << 8) | (1UL << 9) | (1UL << 13) | (1UL << 15)
                                    | (1UL << 4) | (1UL << 10) | (1UL << 16) | (1UL << 5) | (1UL << 11) | (1UL << 17);
    private const int DrainLimit = 8192;

    private readonly DpdkPool _pool;
    private readonly ushort _portId, _portIndex;
    private readonly nint _mempool;
    private readonly bool _owned, _finite;
    /// <summary>The driver does not write rte_mbuf.port and reset ol_flags on receive (it passes mbufs through, like
    /// net_ring, or is not one we know), so the receive loop does: see <see cref="DriversThatResetMbufs"/>. Such a
    /// driver may also hand over another pool's mbufs, so the loop checks each one's pool (and its segments) too.</summary>
    private readonly bool _stampEach;

    /// <summary>Drivers whose receive path allocates each mbuf afresh from the queue's mempool (rte_pktmbuf_alloc resets
    /// ol_flags) and writes rte_mbuf.port: a packet from them needs no store from us before an NF's entry, and no
    /// check (its pool is the port's). A receive from them does not touch the mbufs at all: reading each one right
    /// after the driver wrote it cost the forward row about 4 %.</summary>
    internal static readonly IReadOnlySet<string> DriversThatResetMbufs =
        new HashSet<string>(StringComparer.Ordinal) { "net_pcap", "net_null", "net_tap", "net_af_packet", "net_memif" };
    private readonly int[] _rxDone;
    private int _queuesDone;
    private bool _started, _disposed;

    /// <summary>net_af_packet's interface (its <c>iface=</c>): the driver reports its link up whatever the interface's
    /// state, so <see cref="Link"/> asks the kernel first.</summary>
    private readonly string? _kernelInterface;

    /// <summary>Per queue: its polling thread has joined the EAL (each queue is used by one thread).</summary>
    private readonly bool[] _entered;

    public DpdkPort(DpdkPortSpec spec, int portIndex, int queues, DpdkPool pool)
    {
        if (queues < 1) throw new ArgumentOutOfRangeException(nameof(queues));
        Name = spec.Name;
        Queues = queues;
        Device = spec.Device;
        Counters = new PortCounters(queues);
        RxMultiSegment = new long[queues * 8];
        _rxDone = new int[queues];
        _entered = new bool[queues];
        _pool = pool;
        _mempool = pool.Mempool;
        _portIndex = checked((ushort)portIndex);
        _finite = IsFiniteSource(spec.Device);
        (_portId, _owned) = Attach(spec);
        try
        {
            Info = ReadInfo(_portId);
            _stampEach = !DriversThatResetMbufs.Contains(Info.Driver);
            _kernelInterface = Info.Driver == "net_af_packet" ? DeviceArgument(spec.Device, "iface") : null;
            WirePorts.MapEthdev(_portId, _portIndex);
            Configure(spec);
        }
        catch
        {
            Release();
            throw;
        }
    }

    public string Name { get; }
    public string Kind => PortKinds.Dpdk;
    public bool CanReceive => true;
    public bool CanSend => true;
    public int Queues { get; }
    public PortCounters Counters { get; }
    public string Device { get; }
    public ushort PortId => _portId;
    public DeviceInfo Info { get; }
    public bool RssEnabled { get; private set; }
    public int RxDescriptors { get; private set; }
    public int TxDescriptors { get; private set; }
    /// <summary>Per queue (stride 8, one cache line each): multi-segment frames dropped at receive.</summary>
    public long[] RxMultiSegment { get; }
    public long RxMultiSegmentTotal => Enumerable.Range(0, Queues).Sum(q => RxMultiSegment[q * 8]);

    /// <summary>A pcap replayed once (net_pcap with rx_pcap and without infinite_rx=1) ends; other devices never do.</summary>
    public bool Exhausted => _finite && Volatile.Read(ref _queuesDone) == Queues;

    /// <summary>The value of <paramref name="key"/> in a device string's arguments (<c>net_x0,key=value,...</c>), or null.</summary>
    internal static string? DeviceArgument(string device, string key) =>
        device.Split(',').Skip(1).Select(a => a.Trim()).FirstOrDefault(a => a.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    public static bool IsFiniteSource(string device)
    {
        var parts = device.Split(',');
        return parts[0].StartsWith("net_pcap", StringComparison.Ordinal)
               && parts.Any(p => p.StartsWith("rx_pcap=", StringComparison.Ordinal))
               && !parts.Any(p => p.Replace(" ", "") == "infinite_rx=1");
    }

    public sealed record DeviceInfo(string Driver, string DeviceName, int MaxRxQueues, int MaxTxQueues, ulong RssOffloads, int Socket, string Mac);

    private static (ushort Port, bool Owned) Attach(DpdkPortSpec spec)
    {
        // A device the EAL already knows (a PCI NIC it probed, a --vdev argument) is used as it is;
        // anything else is hot-plugged here and removed again when the port is disposed.
        if (TryFind(spec.DeviceName, out var port)) return (port, false);
        var devargs = DpdkEal.Utf8(spec.Device);
        int ret;
        try { ret = DpdkNative.DevProbe(devargs); }
        finally { NativeMemory.Free(devargs); }
        if (ret != 0)
            throw new DpdkUnavailableException($"{spec.Path}: cannot attach DPDK device \"{spec.Device}\": {DpdkNative.ErrorText(ret)} (DPDK's log above says more)");
        if (!TryFind(spec.DeviceName, out port))
            throw new DpdkUnavailableException($"{spec.Path}: device \"{spec.DeviceName}\" attached but has no ethdev port (is it a network device?)");
        return (port, true);
    }

    private static bool TryFind(string name, out ushort port)
    {
        var n = DpdkEal.Utf8(name);
        try
        {
            ushort id = 0;
            int ret = DpdkNative.PortByName(n, &id);
            port = id;
            return ret == 0;
        }
        finally { NativeMemory.Free(n); }
    }

    private static DeviceInfo ReadInfo(ushort port)
    {
        DpdkNative.PortInfo i;
        int ret = DpdkNative.GetPortInfo(port, &i);
        if (ret != 0) throw new DpdkUnavailableException($"rte_eth_dev_info_get({port}) failed: {DpdkNative.ErrorText(ret)}");
        var macBytes = new byte[6];
        for (int k = 0; k < 6; k++) macBytes[k] = i.Mac[k];
        string mac = Convert.ToHexString(macBytes).ToLowerInvariant();
        mac = string.Join(":", Enumerable.Range(0, 6).Select(k => mac.Substring(2 * k, 2)));
        return new DeviceInfo(Marshal.PtrToStringUTF8((nint)i.Driver) ?? "", Marshal.PtrToStringUTF8((nint)i.Device) ?? "",
            i.MaxRxQueues, i.MaxTxQueues, i.FlowTypeRssOffloads, i.SocketId, mac);
    }

    private void Configure(DpdkPortSpec spec)
    {
        if (Queues > Info.MaxRxQueues || Queues > Info.MaxTxQueues)
            throw new DpdkUnavailableException(
                $"{spec.Path}: device \"{spec.DeviceName}\" ({Info.Driver}) has {Info.MaxRxQueues} RX / {Info.MaxTxQueues} TX queue(s), but the deployment runs " +
                $"{Queues} core(s) and each core needs its own queue pair; lower \"cores\"" +
                (Info.Driver == "net_pcap" ? " or give net_pcap one rx_pcap=/tx_pcap= per core" : ""));
        ulong rss = Queues > 1 ? Info.RssOffloads & RssIpTcpUdp : 0;
        RssEnabled = rss != 0;
        Check(DpdkNative.PortConfigure(_portId, (ushort)Queues, (ushort)Queues, rss), "rte_eth_dev_configure", spec);
        ushort rxd = (ushort)spec.RxDescriptors, txd = (ushort)spec.TxDescriptors;
        Check(DpdkNative.PortAdjustDescriptors(_portId, &rxd, &txd), "rte_eth_dev_adjust_nb_rx_tx_desc", spec);
        RxDescriptors = rxd;
        TxDescriptors = txd;
        for (ushort q = 0; q < Queues; q++)
        {
            Check(DpdkNative.RxQueueSetup(_portId, q, rxd, Info.Socket, _mempool), $"rte_eth_rx_queue_setup(queue {q})", spec);
            Check(DpdkNative.TxQueueSetup(_portId, q, txd, Info.Socket), $"rte_eth_tx_queue_setup(queue {q})", spec);
        }
        Check(DpdkNative.PortStart(_portId), "rte_eth_dev_start", spec);
        _started = true;
        DpdkNative.PortPromiscuous(_portId); // not every device has the notion; failure is harmless
    }

    private void Check(int ret, string what, DpdkPortSpec spec)
    {
        if (ret < 0)
            throw new DpdkUnavailableException($"{spec.Path}: {what} failed on \"{spec.DeviceName}\" ({Info.Driver}): {DpdkNative.ErrorText(ret)}");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnterThread(int queue)
    {
        if (_entered[queue]) return;
        _entered[queue] = true;
        DpdkEal.EnterThread();
    }

    public int Receive(int queue, PacketDesc** descs, int max)
    {
        EnterThread(queue);
        // Mbufs are descriptors: the driver's burst is the batch, in place.
        int n = DpdkNative.RxBurst(_portId, (ushort)queue, (nint*)descs, (ushort)Math.Min(max, ushort.MaxValue));
        if (n == 0)
        {
            if (_finite) NoteEmpty(queue, max);
            return 0;
        }
        if (!_stampEach)
        {
            // The driver wrote the input port (an ethdev id, see WirePorts) and reset ol_flags (so no metadata yet),
            // from this port's pool; the flow hash and header stack are reset at an NF's entry, before anything reads
            // them. A frame larger than an mbuf comes as a chain: NFs see its first segment, a DPDK port sends it
            // whole. Bytes are the device's to count (Statistics).
            Counters.PerQueue[queue].RxPackets += n;
            return n;
        }
        StampAll(descs, n);
        long bytes = 0;
        nint mempool = _mempool;
        for (int i = 0; i < n; i++)
        {
            var d = descs[i];
            if (d->Segments != 1 || d->Mempool != mempool) return ReceiveMixed(queue, descs, n, i, bytes);
            bytes += d->DataLength;
        }
        var c = Counters.PerQueue[queue];
        c.RxPackets += n;
        c.RxBytes += bytes;
        return n;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StampAll(PacketDesc** descs, int n)
    {
        for (int i = 0; i < n; i++) descs[i]->StampReceived(_portIndex);
    }

    /// <summary>The rest of a burst from <paramref name="from"/> on, where some mbuf is multi-segment or of another pool
    /// (kept out of <see cref="Receive"/> so its loop makes no calls and keeps its variables in registers).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReceiveMixed(int queue, PacketDesc** descs, int n, int from, long bytes)
    {
        int kept = from;
        for (int i = from; i < n; i++)
        {
            var d = descs[i];
            if ((d->Segments != 1 || d->Mempool != _mempool) && !Adopt(queue, d)) continue;
            bytes += d->DataLength;
            descs[kept++] = d;
        }
        var c = Counters.PerQueue[queue];
        c.RxPackets += kept;
        c.RxBytes += bytes;
        return kept;
    }

    /// <summary>The slow receive path of a driver that passes mbufs through: a single-segment mbuf of another live DPDK
    /// pool is kept (true); a multi-segment frame or an mbuf of an unknown pool is freed, counted, and false returned.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Adopt(int queue, PacketDesc* d)
    {
        if (d->Segments == 1 && BufferPools.IdOfMempool(d->Mempool) != 0) return true;
        RxMultiSegment[queue * 8]++;
        nint m = Mbuf.Of(d);
        DpdkNative.MbufFreeBulk(&m, 1);
        return false;
    }

    private void NoteEmpty(int queue, int max)
    {
        // net_pcap returns nothing at end of file, and also when it found no free mbuf (that packet is lost to
        // the device's rx_nombuf count): only the first means done.
        if (_rxDone[queue] != 0 || DpdkNative.PoolAvail(_mempool) < (uint)Math.Max(64, 2 * max)) return;
        _rxDone[queue] = 1;
        Interlocked.Increment(ref _queuesDone);
    }

    public int Send(int queue, PacketDesc** descs, int count)
    {
        if (count <= 0) return 0;
        EnterThread(queue);
        var c = Counters.PerQueue[queue];
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            var d = descs[i];
            if (d->Mempool == 0) return SendCopies(queue, descs, i, count, bytes); // a managed buffer
            bytes += d->PacketLength; // the whole frame, a chain's other segments included (PacketDesc.Length keeps it)
        }
        return Transmit(c, queue, (nint*)descs, count, bytes);
    }

    private int Transmit(QueueCounters c, int queue, nint* mbufs, int count, long bytes)
    {
        int sent = DpdkNative.TxBurst(_portId, (ushort)queue, mbufs, (ushort)count);
        if (sent < count)
        {
            // Not taken by the device: freed here, counted, never leaked. Their bytes are not TX bytes.
            for (int i = sent; i < count; i++) bytes -= Mbuf.Desc(mbufs[i])->PacketLength;
            DpdkNative.MbufFreeBulk(mbufs + sent, (uint)(count - sent));
            c.TxDropped += count - sent;
        }
        c.TxPackets += sent;
        c.TxBytes += bytes;
        return sent;
    }

    /// <summary>Some packets live in a managed buffer: copy those into mbufs of this port's pool (the
    /// first <paramref name="ready"/> slots already hold mbufs) and free the originals.</summary>
    private int SendCopies(int queue, PacketDesc** descs, int ready, int count, long bytes)
    {
        var c = Counters.PerQueue[queue];
        int kept = ready;
        for (int i = ready; i < count; i++)
        {
            var d = descs[i];
            PacketDesc* m;
            if (d->Mempool != 0) m = d;
            else
            {
                nint fresh = 0;
                if (d->Length <= _pool.DataRoom) DpdkNative.MbufAllocBulk(_mempool, &fresh, 1);
                m = Mbuf.Desc(fresh);
                if (m != null)
                {
                    Unsafe.CopyBlockUnaligned(m->Data, d->Data, (uint)d->Length);
                    m->DataLength = (ushort)d->Length;
                    m->PacketLength = (uint)d->Length;
                }
                BufferPools.FreeBulk(&d, 1);
                if (m == null) { c.TxDropped++; continue; } // no mbuf free, or larger than one: dropped
            }
            bytes += m->PacketLength;
            descs[kept++] = m;
        }
        return Transmit(c, queue, (nint*)descs, kept, bytes);
    }

    public LinkState Link()
    {
        if (_kernelInterface is { } iface && !KernelLinkUp(iface)) return new LinkState(false, 0, false);
        DpdkNative.LinkStatus l;
        return DpdkNative.PortLink(_portId, &l) == 0 ? new LinkState(l.Up != 0, (int)l.SpeedMbps, l.FullDuplex != 0) : new LinkState(false, 0, false);
    }

    public DeviceStatistics Statistics()
    {
        DpdkNative.DeviceStats s;
        if (DpdkNative.PortStats(_portId, &s) != 0) return new DeviceStatistics(0, 0, 0, 0, 0, 0, 0, 0);
        return new DeviceStatistics(s.InPackets, s.OutPackets, s.InBytes, s.OutBytes, s.InMissed, s.InErrors, s.OutErrors, s.RxNoMbuf);
    }

    /// <summary>The kernel's operational state of an interface: up, or "unknown" (drivers that do not report one, as
    /// tun/tap); down, no carrier (a veth whose peer is down) or gone count as down.</summary>
    private static bool KernelLinkUp(string iface)
    {
        if (iface.Length == 0 || iface.Contains('/')) return false; // not an interface name: no path outside /sys/class/net
        try
        {
            string state = File.ReadAllText($"/sys/class/net/{iface}/operstate").Trim();
            return state is "up" or "unknown";
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public readonly record struct LinkState(bool Up, int SpeedMbps, bool FullDuplex);
    public readonly record struct DeviceStatistics(ulong RxPackets, ulong TxPackets, ulong RxBytes, ulong TxBytes,
        ulong RxMissed, ulong RxErrors, ulong TxErrors, ulong RxNoMbuf);

    public string Status()
    {
        var l = Link();
        var s = Statistics();
        return $"{Name}: {Info.DeviceName} ({Info.Driver}, port {_portId}, {Queues} queue pair(s){(RssEnabled ? ", RSS" : "")}, mac {Info.Mac}) " +
               $"link {(l.Up ? $"up {l.SpeedMbps} Mbps {(l.FullDuplex ? "full" : "half")}-duplex" : "down")}; " +
               $"device rx {s.RxPackets:N0} tx {s.TxPackets:N0} missed {s.RxMissed:N0} rx-errors {s.RxErrors:N0} tx-errors {s.TxErrors:N0} " +
               $"rx-nombuf {s.RxNoMbuf:N0}; multi-segment dropped {RxMultiSegmentTotal:N0}";
    }

    /// <summary>Free what is still queued in the device (e.g. a ring's contents), stop it, and detach it when we attached it.
    /// Workers must have stopped.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Release();
    }

    private void Release()
    {
        if (_started)
        {
            var burst = stackalloc nint[64];
            for (ushort q = 0; q < Queues; q++)
                for (int drained = 0; drained < DrainLimit;)
                {
                    int n = DpdkNative.RxBurst(_portId, q, burst, 64);
                    if (n == 0) break;
                    DpdkNative.MbufFreeBulk(burst, (uint)n);
                    drained += n;
                }
            _started = false;
        }
        if (_owned) DpdkNative.PortDetach(_portId);
        else DpdkNative.PortStop(_portId);
    }
}

/// <summary>A port that can describe its device state (link, device counters) for the final report.</summary>
internal interface IPortStatus
{
    string Status();
}
