using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Firewall;

/// <summary>TCP connection state as the tracker follows it (a simplified Linux conntrack machine).</summary>
public enum TcpState : byte
{
    /// <summary>Not TCP.</summary>
    None = 0,
    SynSent,
    SynReceived,
    Established,
    /// <summary>One side has sent FIN.</summary>
    FinWait,
    /// <summary>Both sides have sent FIN.</summary>
    TimeWait,
    /// <summary>Reset.</summary>
    Closed,
}

/// <summary>Idle timeouts per state, in seconds (defaults close to Linux conntrack's and pf's).</summary>
public sealed record ConnTimeouts(
    int TcpSynSent = 120, int TcpSynReceived = 60, int TcpEstablished = 86_400, int TcpFinWait = 120,
    int TcpTimeWait = 120, int TcpClosed = 10, int Udp = 30, int UdpStream = 180, int Icmp = 30, int Other = 600)
{
    public int For(TcpState tcp, byte protocol, bool seenReply) => tcp switch
    {
        TcpState.SynSent => TcpSynSent,
        TcpState.SynReceived => TcpSynReceived,
        TcpState.Established => TcpEstablished,
        TcpState.FinWait => TcpFinWait,
        TcpState.TimeWait => TcpTimeWait,
        TcpState.Closed => TcpClosed,
        _ => protocol switch
        {
            Ipv4.ProtoUdp => seenReply ? UdpStream : Udp,
            Ipv4.ProtoIcmp or Ipv4.ProtoIcmpv6 => Icmp,
            _ => Other,
        },
    };
}

/// <summary>One tracked connection.</summary>
public struct Connection
{
    /// <summary>Tick (seconds of this core's clock) at which the connection expires unless refreshed.</summary>
    public long Deadline;
    public TcpState Tcp;
    /// <summary>Whether a packet has gone the reply way (ct state established from then on).</summary>
    public bool SeenReply;
    /// <summary>Whether the initiator is the source of the canonical key (fixes which way is "original").</summary>
    public bool InitiatorIsCanonicalSource;
    /// <summary>FIN seen: bit 0 from the initiator, bit 1 from the responder.</summary>
    public byte FinSeen;
}

/// <summary>
/// One core's connection table, keyed by the canonical (direction-independent) 5-tuple so a reply finds
/// its connection. Bounded: at capacity new connections are refused and counted. Time is a tick
/// counter (seconds) advanced by a scheduled event, so no clock is read per packet.
/// </summary>
public sealed class ConnectionTable(int capacity)
{
    private readonly Dictionary<FlowKey, Connection> _map = new(Math.Min(capacity, 1 << 20), FlowKeyComparer.Instance);

    public int Capacity { get; } = capacity;
    public int Count => _map.Count;
    /// <summary>The table's clock, in ticks (seconds).</summary>
    public long Now { get; private set; }
    public long Expired { get; private set; }

    /// <summary>The key both directions share: the direction whose (address, port) source is the smaller.</summary>
    public static FlowKey Canonical(in FlowKey key, out bool isCanonicalSource)
    {
        isCanonicalSource = key.SourceHigh != key.DestinationHigh ? key.SourceHigh < key.DestinationHigh
            : key.SourceLow != key.DestinationLow ? key.SourceLow < key.DestinationLow
            : key.SourcePort <= key.DestinationPort;
        return isCanonicalSource ? key : key.Reverse();
    }

    /// <summary>The live entry for <paramref name="canonical"/>, or a null ref (check with <see cref="Unsafe.IsNullRef{T}"/>).
    /// An expired entry not yet swept is reported as absent.</summary>
    public ref Connection Find(in FlowKey canonical)
    {
        ref var c = ref CollectionsMarshal.GetValueRefOrNullRef(_map, canonical);
        if (!Unsafe.IsNullRef(ref c) && c.Deadline <= Now) return ref Unsafe.NullRef<Connection>();
        return ref c;
    }

    /// <summary>A slot for <paramref name="canonical"/> (an expired entry is reused), or a null ref when full.</summary>
    public ref Connection Add(in FlowKey canonical)
    {
        if (_map.Count >= Capacity && !_map.ContainsKey(canonical)) return ref Unsafe.NullRef<Connection>();
        return ref CollectionsMarshal.GetValueRefOrAddDefault(_map, canonical, out _);
    }

    /// <summary>Look up a connection by either direction's key (tests and reports).</summary>
    public Connection? Get(FlowKey key)
    {
        var canonical = Canonical(key, out _);
        ref var c = ref Find(canonical);
        return Unsafe.IsNullRef(ref c) ? null : c;
    }

    /// <summary>Advance the clock one tick and drop connections whose deadline has passed.</summary>
    public void Tick()
    {
        Now++;
        foreach (var (key, c) in _map)
            if (c.Deadline <= Now && _map.Remove(key)) Expired++;
    }

    private sealed class FlowKeyComparer : IEqualityComparer<FlowKey>
    {
        public static readonly FlowKeyComparer Instance = new();
        public bool Equals(FlowKey a, FlowKey b) => a == b;
        public int GetHashCode(FlowKey k) => (int)k.Hash();
    }
}
