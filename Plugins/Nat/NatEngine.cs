using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// The per-packet NAT logic of one core (thesis listings 7 and 8). Direction comes from addresses: a
/// packet to a public address (SNAT pool or DNAT public address) is inbound; one from an inside network to
/// a non-inside address is outbound; anything else passes untouched. Returns false to drop.
/// </summary>
internal sealed class NatEngine(NatConfig cfg, NatTable table)
{
    private readonly NatCounters _c = table.Counters;

    public bool Process(Packet p)
    {
        if (!p.Has(HeaderKind.Ipv4)) return true; // NAT44 only: ARP, IPv6 and the rest pass
        ref var ip = ref p.Ipv4;
        uint src = ip.Source, dst = ip.Destination;
        if (cfg.IsPublic(dst)) return Inbound(p, src, dst);
        if (cfg.IsInside(src) && !cfg.IsInside(dst)) return Outbound(p, ref ip, src, dst);
        return true;
    }

    private bool Inbound(Packet p, uint src, uint dst)
    {
        if (p.IsFragment) { _c.Fragments++; return false; }
        byte proto = p.IpProtocol;
        bool snat = cfg.PoolIndex.TryGetValue(dst, out int pool);
        switch (proto)
        {
            case Ipv4.ProtoTcp or Ipv4.ProtoUdp:
            {
                if (!p.Has(proto == Ipv4.ProtoTcp ? HeaderKind.Tcp : HeaderKind.Udp)) { _c.Malformed++; return false; }
                ushort sport, dport;
                byte tcpBits = 0;
                if (proto == Ipv4.ProtoTcp) { sport = p.Tcp.SourcePort; dport = p.Tcp.DestinationPort; tcpBits = TcpBits(p.Tcp.Flags, inbound: true); }
                else { sport = p.Udp.SourcePort; dport = p.Udp.DestinationPort; }
                int slot = snat ? table.FindInbound(pool, proto, dport) : -1;
                if (slot >= 0)
                {
                    ref var m = ref table[slot];
                    // Address- and port-dependent filtering, as conntrack: only the remote end may reply.
                    if (m.RemoteAddress != src || m.RemotePort != sport) { _c.Unsolicited++; return false; }
                    table.Touch(ref m, tcpBits);
                    Rewrite.Endpoint(p, source: false, m.InsideAddress, m.InsidePort);
                    _c.SnatIn++;
                    return true;
                }
                if (cfg.DnatForward.TryGetValue(NatConfig.Key(proto, dst, dport), out ulong target))
                {
                    Rewrite.Endpoint(p, source: false, (uint)(target >> 16), (ushort)target);
                    _c.DnatIn++;
                    return true;
                }
                _c.Unsolicited++;
                return false;
            }
            case Ipv4.ProtoIcmp:
            {
                if (!p.Has(HeaderKind.Icmp)) { _c.Malformed++; return false; }
                byte type = p.Icmp.Type;
                if (type == Icmp.EchoReply && snat)
                {
                    int slot = table.FindInbound(pool, proto, p.Icmp.Identifier);
                    if (slot < 0 || table[slot].RemoteAddress != src) { _c.Unsolicited++; return false; }
                    ref var m = ref table[slot];
                    table.Touch(ref m, 0);
                    Rewrite.Endpoint(p, source: false, m.InsideAddress, m.InsidePort);
                    _c.SnatIn++;
                    return true;
                }
                if (QuotedFlow.IsError(type)) return InboundError(p, dst);
                _c.Unsolicited++; // e.g. an echo request to the NAT itself
                return false;
            }
            default:
                _c.Unsupported++;
                return false;
        }
    }

    /// <summary>An ICMP error from outside about a packet we translated on its way out: the quote carries
    /// our public endpoint as its source; put the inside endpoint back (quote and outer destination).</summary>
    private bool InboundError(Packet p, uint dst)
    {
        if (!QuotedFlow.TryRead(p, out var q) || q.Source != dst) { _c.Malformed++; return false; }
        uint address;
        ushort port;
        int slot = cfg.PoolIndex.TryGetValue(dst, out int pool) ? table.FindInbound(pool, q.Protocol, q.SourcePort) : -1;
        if (slot >= 0)
        {
            ref var m = ref table[slot];
            if (m.RemoteAddress != q.Destination || (q.Protocol != Ipv4.ProtoIcmp && m.RemotePort != q.DestinationPort))
            { _c.Unsolicited++; return false; }
            (address, port) = (m.InsideAddress, m.InsidePort);
        }
        else if (cfg.DnatForward.TryGetValue(NatConfig.Key(q.Protocol, q.Source, q.SourcePort), out ulong target))
            (address, port) = ((uint)(target >> 16), (ushort)target);
        else { _c.Unsolicited++; return false; }
        Rewrite.Quoted(p, source: true, address, port);
        Rewrite.Address(p, source: false, address);
        _c.IcmpErrors++;
        return true;
    }

    private bool Outbound(Packet p, ref Ipv4 ip, uint src, uint dst)
    {
        if (p.IsFragment) { _c.Fragments++; return false; }
        byte proto = p.IpProtocol;
        switch (proto)
        {
            // TCP and UDP each through one header reference, read once and rewritten in place (the common case).
            case Ipv4.ProtoTcp:
            {
                if (!p.Has(HeaderKind.Tcp)) { _c.Malformed++; return false; }
                ref var t = ref p.Tcp;
                ushort sport = t.SourcePort;
                if (DnatReply(p, proto, src, sport)) return true;
                if (!cfg.SnatEnabled) return true;
                int slot = SnatSlot(proto, src, sport, dst, t.DestinationPort, TcpBits(t.Flags, inbound: false));
                if (slot < 0) return false;
                ref var m = ref table[slot];
                Rewrite.TcpSource(ref ip, ref t, cfg.Pool[m.PoolIndex], m.PublicPort);
                return true;
            }
            case Ipv4.ProtoUdp:
            {
                if (!p.Has(HeaderKind.Udp)) { _c.Malformed++; return false; }
                ref var u = ref p.Udp;
                ushort sport = u.SourcePort;
                if (DnatReply(p, proto, src, sport)) return true;
                if (!cfg.SnatEnabled) return true;
                int slot = SnatSlot(proto, src, sport, dst, u.DestinationPort, 0);
                if (slot < 0) return false;
                ref var m = ref table[slot];
                Rewrite.UdpSource(ref ip, ref u, cfg.Pool[m.PoolIndex], m.PublicPort);
                return true;
            }
            case Ipv4.ProtoIcmp:
            {
                if (!p.Has(HeaderKind.Icmp)) { _c.Malformed++; return false; }
                byte type = p.Icmp.Type;
                if (type == Icmp.EchoRequest) return Snat(p, proto, src, p.Icmp.Identifier, dst, 0, 0);
                if (QuotedFlow.IsError(type)) return OutboundError(p);
                return Unsupported();
            }
            default:
                return Unsupported();
        }
    }

    /// <summary>A reply of a forwarded (DNAT) connection leaves with the public endpoint it was addressed to: rewritten, true.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool DnatReply(Packet p, byte proto, uint src, ushort sport)
    {
        if (!cfg.DnatEnabled || !cfg.DnatReverse.TryGetValue(NatConfig.Key(proto, src, sport), out ulong pub)) return false;
        Rewrite.Endpoint(p, source: true, (uint)(pub >> 16), (ushort)pub);
        _c.DnatOut++;
        return true;
    }

    /// <summary>Without SNAT (a DNAT-only instance) other outbound traffic passes; with it, what cannot be
    /// translated is dropped rather than leak a private address.</summary>
    private bool Unsupported()
    {
        if (!cfg.SnatEnabled) return true;
        _c.Unsupported++;
        return false;
    }

    /// <summary>SNAT an ICMP echo request (its identifier as the inside port).</summary>
    private bool Snat(Packet p, byte proto, uint src, ushort sport, uint dst, ushort dport, byte tcpBits)
    {
        if (!cfg.SnatEnabled) return true;
        int slot = SnatSlot(proto, src, sport, dst, dport, tcpBits);
        if (slot < 0) return false;
        ref var m = ref table[slot];
        Rewrite.Endpoint(p, source: true, cfg.Pool[m.PoolIndex], m.PublicPort);
        return true;
    }

    /// <summary>The outbound connection's mapping slot, created for a new one and refreshed (counted as translated);
    /// -1 when the table or the ports are exhausted (counted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SnatSlot(byte proto, uint src, ushort sport, uint dst, ushort dport, byte tcpBits)
    {
        var key = new OutKey(proto, src, sport, dst, dport);
        int slot = table.FindOutbound(key);
        if (slot < 0 && (slot = table.Create(key, proto, src, sport, dst, dport)) < 0) return -1;
        ref var m = ref table[slot];
        // A fresh SYN on a closed or reset connection's mapping starts a new connection (the client reused its port).
        if (tcpBits == Mapping.SynOut && (m.TcpSeen & (Mapping.FinOut | Mapping.FinIn | Mapping.Rst)) != 0) m.TcpSeen = 0;
        table.Touch(ref m, tcpBits);
        _c.SnatOut++;
        return slot;
    }

    /// <summary>An ICMP error from inside about a packet that came in translated: the quote carries the inside
    /// endpoint as its destination; present the public endpoint instead (quote and outer source).</summary>
    private bool OutboundError(Packet p)
    {
        if (!QuotedFlow.TryRead(p, out var q)) { _c.Malformed++; return false; }
        uint address;
        ushort port;
        if (cfg.DnatReverse.TryGetValue(NatConfig.Key(q.Protocol, q.Destination, q.DestinationPort), out ulong pub))
            (address, port) = ((uint)(pub >> 16), (ushort)pub);
        else
        {
            int slot = cfg.SnatEnabled ? table.FindOutbound(new OutKey(q.Protocol, q.Destination, q.DestinationPort, q.Source,
                q.Protocol == Ipv4.ProtoIcmp ? (ushort)0 : q.SourcePort)) : -1;
            if (slot < 0) return Unsupported();
            ref var m = ref table[slot];
            (address, port) = (cfg.Pool[m.PoolIndex], m.PublicPort);
        }
        Rewrite.Quoted(p, source: false, address, port);
        Rewrite.Address(p, source: true, address);
        _c.IcmpErrors++;
        return true;
    }

    private static byte TcpBits(byte flags, bool inbound)
    {
        byte bits = 0;
        if ((flags & Tcp.Syn) != 0) bits |= inbound ? Mapping.SynIn : Mapping.SynOut;
        if ((flags & Tcp.Fin) != 0) bits |= inbound ? Mapping.FinIn : Mapping.FinOut;
        if ((flags & Tcp.Rst) != 0) bits |= Mapping.Rst;
        return bits;
    }
}
