using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// Multi-core placement (used only with more than one core). A mapping lives on the core that created
/// it, and a core allocates public ports only from its own block of the port range. So:
/// <list type="bullet">
/// <item>outbound packets go to core <c>FlowKey.Hash() % cores</c> of their own 5-tuple (an inside ICMP
/// error goes where the flow it quotes went), whatever core the port's RSS delivered them to;</item>
/// <item>inbound packets to a pool address go to the core owning their destination port (echo identifier,
/// or quoted source port for an ICMP error), which is the core that created the mapping;</item>
/// <item>everything else (DNAT, which is stateless, and pass-through traffic) stays where it is.</item>
/// </list>
/// A shuffle on a symmetric flow hash would not work: SNAT changes the tuple, so the reply's tuple hashes elsewhere.
/// </summary>
internal readonly struct NatShuffle(NatConfig cfg, PortPartition ports, int self) : IShuffle
{
    public uint Key(Packet p)
    {
        if (!p.Has(HeaderKind.Ipv4) || p.IsFragment) return (uint)self;
        ref var ip = ref p.Ipv4;
        uint src = ip.Source, dst = ip.Destination;
        if (cfg.PoolIndex.ContainsKey(dst)) return Owner(InboundPort(p, dst));
        if (cfg.SnatEnabled && cfg.IsInside(src) && !cfg.IsInside(dst))
        {
            if (p.Has(HeaderKind.Icmp) && QuotedFlow.IsError(p.Icmp.Type))
                return QuotedFlow.TryRead(p, out var q)
                    ? FlowKey.Ipv4(q.Destination, q.Source, q.DestinationPort, q.SourcePort, q.Protocol).Hash()
                    : (uint)self;
            return FlowKey.TryGet(p, out var key) ? key.Hash() : (uint)self;
        }
        return (uint)self;
    }

    private uint Owner(int port)
    {
        int owner = port < 0 ? -1 : ports.OwnerOf(port);
        return (uint)(owner < 0 ? self : owner);
    }

    private static int InboundPort(Packet p, uint dst)
    {
        if (p.Has(HeaderKind.Tcp)) return p.Tcp.DestinationPort;
        if (p.Has(HeaderKind.Udp)) return p.Udp.DestinationPort;
        if (!p.Has(HeaderKind.Icmp)) return -1;
        byte type = p.Icmp.Type;
        if (type == Icmp.EchoReply) return p.Icmp.Identifier;
        return QuotedFlow.IsError(type) && QuotedFlow.TryRead(p, out var q) && q.Source == dst ? q.SourcePort : -1;
    }
}
