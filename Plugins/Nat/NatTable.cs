using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// One core's SNAT state: its mappings, indexed both ways (outbound by <see cref="OutKey"/>, inbound by
/// public port through the <see cref="PortBlock"/>s), and idle expiry. Ports of every (public address,
/// protocol) are split into one contiguous range per core (<see cref="PortPartition"/>), so cores never
/// hand out the same port and the owner of a reply is known from its destination port alone.
/// Pre-sized and index-based: creating and expiring mappings allocates nothing.
/// </summary>
public sealed partial class NatTable
{
    private readonly NatConfig _cfg;
    private readonly PortPartition _ports;
    private readonly int _core;
    private readonly PortBlock?[] _blocks;
    private readonly OutboundIndex _out;
    private readonly Mapping[] _maps;
    private readonly int[] _free;
    private int _freeCount;
    private readonly uint _tcpEstablished, _tcpTransitory, _udp, _icmp;

    public NatTable(NatConfig cfg, int core, int cores)
    {
        _cfg = cfg;
        _core = core;
        _ports = new PortPartition(cfg.PortMin, cfg.PortMax, cores);
        _blocks = new PortBlock?[cfg.Pool.Length * 3];
        _maps = new Mapping[cfg.MaxMappings];
        _out = new OutboundIndex(_maps);
        _free = new int[cfg.MaxMappings];
        for (int i = 0; i < _free.Length; i++) _free[i] = _free.Length - 1 - i; // pop slot 0 first
        _freeCount = _free.Length;
        _tcpEstablished = Epochs(cfg.TcpEstablishedSeconds);
        _tcpTransitory = Epochs(cfg.TcpTransitorySeconds);
        _udp = Epochs(cfg.UdpSeconds);
        _icmp = Epochs(cfg.IcmpSeconds);
        uint Epochs(int seconds) => (uint)Math.Max(1, Math.Ceiling(seconds / cfg.SweepSeconds));
    }

    public NatCounters Counters { get; } = new();
    /// <summary>Sweeps so far: the table's clock (timeouts are counted in sweep periods).</summary>
    public uint Epoch { get; private set; }
    public int Active => _out.Count;
    public PortPartition Ports => _ports;

    internal ref Mapping this[int slot] => ref _maps[slot];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ProtoIndex(byte proto) => proto switch { Ipv4.ProtoTcp => 0, Ipv4.ProtoUdp => 1, _ => 2 };

    /// <summary>The mapping slot of an outbound connection, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int FindOutbound(in OutKey key) => _out.Find(key);

    /// <summary>The mapping slot owning public port <paramref name="port"/> of pool address <paramref name="poolIndex"/>, or -1.</summary>
    internal int FindInbound(int poolIndex, byte proto, ushort port) =>
        _blocks[poolIndex * 3 + ProtoIndex(proto)]?.SlotOf(port) ?? -1;

    /// <summary>Create a mapping for a new outbound connection; -1 (counted) when the table or the ports are exhausted.</summary>
    internal int Create(in OutKey key, byte proto, uint inside, ushort insidePort, uint remote, ushort remotePort)
    {
        if (_freeCount == 0) { Counters.TableFull++; return -1; }
        // Paired pooling (RFC 4787 REQ-2): an inside host always gets the same public address.
        int pool = (int)((uint)(inside * 0x9E3779B1u >> 8) % (uint)_cfg.Pool.Length);
        ref var block = ref _blocks[pool * 3 + ProtoIndex(proto)];
        block ??= new PortBlock(_ports.First(_core), _ports.Count(_core));
        int slot = _free[_freeCount - 1];
        int port = block.Allocate(insidePort, slot);
        if (port < 0) { Counters.PortsExhausted++; return -1; }
        _freeCount--;
        _maps[slot] = new Mapping
        {
            InsideAddress = inside, InsidePort = insidePort, RemoteAddress = remote, RemotePort = remotePort,
            PublicPort = (ushort)port, Protocol = proto, PoolIndex = pool, InUse = true, LastSeen = Epoch,
        };
        _out.Add(key, slot);
        Counters.Created++;
        return slot;
    }

    /// <summary>Record activity (both directions refresh the timer, as conntrack does).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Touch(ref Mapping m, byte tcpBits)
    {
        m.LastSeen = Epoch;
        m.TcpSeen |= tcpBits;
    }

    /// <summary>Advance the clock one sweep period and release mappings idle past their timeout.</summary>
    public void Sweep()
    {
        uint now = ++Epoch;
        for (int slot = 0; slot < _maps.Length; slot++)
        {
            ref var m = ref _maps[slot];
            if (!m.InUse) continue;
            uint timeout = m.Protocol switch
            {
                Ipv4.ProtoTcp => m.TcpEstablished ? _tcpEstablished : _tcpTransitory,
                Ipv4.ProtoUdp => _udp,
                _ => _icmp,
            };
            if (now - m.LastSeen >= timeout) Release(slot);
        }
    }

    private void Release(int slot)
    {
        ref var m = ref _maps[slot];
        _out.Remove(new OutKey(m.Protocol, m.InsideAddress, m.InsidePort, m.RemoteAddress, m.RemotePort), slot);
        _blocks[m.PoolIndex * 3 + ProtoIndex(m.Protocol)]!.Free(m.PublicPort);
        m = default;
        _free[_freeCount++] = slot;
        Counters.Expired++;
    }

    /// <summary>Free ports left on this core for (pool address, protocol) (for tests and status).</summary>
    public int FreePorts(uint publicAddress, byte proto)
    {
        int pool = _cfg.PoolIndex[publicAddress];
        var b = _blocks[pool * 3 + ProtoIndex(proto)];
        return b is null ? _ports.Count(_core) : b.Count - b.Used;
    }
}

/// <summary>The SNAT port range split into one contiguous block per core; the last core takes the remainder.</summary>
public readonly struct PortPartition(int min, int max, int cores)
{
    private readonly int _per = (max - min + 1) / cores;

    public int First(int core) => min + core * _per;
    public int Count(int core) => core == cores - 1 ? max - First(core) + 1 : _per;

    /// <summary>The core that hands out <paramref name="port"/>, or -1 outside the range.</summary>
    public int OwnerOf(int port) => port < min || port > max ? -1 : Math.Min((port - min) / _per, cores - 1);
}
