using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Firewall;

/// <summary>What to do with packets that fit no connection slot because the table is full.</summary>
public enum WhenFull : byte { Drop, Accept }

/// <summary>The compiled, immutable part of a firewall configuration (shared by every core).</summary>
public sealed class FirewallPolicy(IReadOnlyList<FirewallRule> rules, bool defaultAccept, bool nonIpAccept)
{
    public IReadOnlyList<FirewallRule> Rules { get; } = rules;
    public BitVectorClassifier Classifier { get; } = new(rules);
    public bool DefaultAccept { get; } = defaultAccept;
    public bool NonIpAccept { get; } = nonIpAccept;
    internal readonly bool[] AcceptOf = rules.Select(r => r.Accept).ToArray();
}

/// <summary>
/// One core's firewall: classifies each packet's connection state, finds the first matching rule,
/// and (only for accepted packets) creates or advances the connection. Like Linux conntrack, a
/// connection exists only once a packet of it has been accepted, so a dropped SYN leaves no trace
/// and its "reply" is not established.
/// </summary>
public sealed class FirewallEngine(FirewallPolicy policy, ConnectionTable table, ConnTimeouts timeouts, WhenFull whenFull)
{
    private readonly BitVectorClassifier _classifier = policy.Classifier;
    private readonly bool[] _acceptOf = policy.AcceptOf;
    private readonly bool _defaultAccept = policy.DefaultAccept, _nonIpAccept = policy.NonIpAccept;

    public FirewallPolicy Policy => policy;
    public ConnectionTable Table => table;

    /// <summary>Packets that matched each rule; the last slot counts the default policy.</summary>
    public readonly long[] RuleHits = new long[policy.Rules.Count + 1];
    public long Accepted, Dropped, NonIp, Created, TableFull;
    /// <summary>Packets by the state they were classified in (index = <see cref="ConnState"/>).</summary>
    public readonly long[] ByState = new long[4];

    /// <summary>Decide one packet: true to forward it.</summary>
    public bool Decide(Packet p)
    {
        if (!FlowKey.TryGet(p, out var key))
        {
            NonIp++;
            return Count(_nonIpAccept);
        }
        byte proto = key.Protocol;
        var canonical = ConnectionTable.Canonical(key, out bool isCanonicalSource);
        ref var conn = ref table.Find(canonical);
        bool exists = !Unsafe.IsNullRef(ref conn);
        bool reply = exists && conn.InitiatorIsCanonicalSource != isCanonicalSource;
        int flags = proto == Ipv4.ProtoTcp && p.Has(HeaderKind.Tcp) ? p.Tcp.Flags : -1;
        bool restart = false, track = true;
        ConnState state;

        if (proto == Ipv4.ProtoTcp)
            state = TcpStateOf(ref conn, exists, reply, flags, out restart);
        else if ((proto == Ipv4.ProtoIcmp || proto == Ipv4.ProtoIcmpv6) && QuotedFlow.IsError(p, out var quoted, out bool readable))
        {
            track = false; // errors never open connections
            state = readable && !Unsafe.IsNullRef(ref table.Find(ConnectionTable.Canonical(quoted, out _))) ? ConnState.Related : ConnState.Invalid;
        }
        else if (proto == Ipv4.ProtoIcmp || proto == Ipv4.ProtoIcmpv6)
        {
            int type = proto == Ipv4.ProtoIcmp ? (p.Has(HeaderKind.Icmp) ? p.Icmp.Type : -1) : (p.Has(HeaderKind.Icmpv6) ? p.Icmpv6.Type : -1);
            bool request = proto == Ipv4.ProtoIcmp ? type == Icmp.EchoRequest : type == Icmp.V6EchoRequest;
            bool echoReply = proto == Ipv4.ProtoIcmp ? type == Icmp.EchoReply : type == Icmp.V6EchoReply;
            track = request || exists;
            state = exists ? (conn.SeenReply || reply ? ConnState.Established : ConnState.New)
                : echoReply ? ConnState.Invalid : ConnState.New;
        }
        else
            state = exists && (conn.SeenReply || reply) ? ConnState.Established : ConnState.New;

        ByState[(int)state]++;
        var fields = new PacketFields
        {
            Source = new UInt128(key.SourceHigh, key.SourceLow),
            Destination = new UInt128(key.DestinationHigh, key.DestinationLow),
            Protocol = proto,
            InputPort = p.InputPort,
            State = state,
        };
        bool ports = proto is Ipv4.ProtoTcp or Ipv4.ProtoUdp or 132 && !p.IsFragment;
        fields.SourcePort = ports ? key.SourcePort : PacketFields.NoPort;
        fields.DestinationPort = ports ? key.DestinationPort : PacketFields.NoPort;
        int rule = _classifier.Classify(fields);
        RuleHits[rule < 0 ? RuleHits.Length - 1 : rule]++;
        bool accept = rule < 0 ? _defaultAccept : _acceptOf[rule];
        if (!accept) return Count(false);
        if (state == ConnState.Invalid || !track) return Count(true);

        if (!exists || restart)
        {
            conn = ref table.Add(canonical);
            if (Unsafe.IsNullRef(ref conn))
            {
                TableFull++;
                return Count(whenFull == WhenFull.Accept);
            }
            Created++;
            conn = new Connection
            {
                Tcp = proto == Ipv4.ProtoTcp ? TcpState.SynSent : TcpState.None,
                InitiatorIsCanonicalSource = isCanonicalSource,
            };
        }
        else Advance(ref conn, reply, flags);
        conn.Deadline = table.Now + timeouts.For(conn.Tcp, proto, conn.SeenReply);
        return Count(true);
    }

    private bool Count(bool accept)
    {
        if (accept) Accepted++; else Dropped++;
        return accept;
    }

    /// <summary>The ct state of a TCP segment; <paramref name="restart"/> when a SYN reopens a closed connection.</summary>
    private static ConnState TcpStateOf(ref Connection c, bool exists, bool reply, int flags, out bool restart)
    {
        restart = false;
        if (flags < 0) return ConnState.Invalid; // no readable TCP header (fragment or truncated)
        bool syn = (flags & Tcp.Syn) != 0, ack = (flags & Tcp.Ack) != 0, rst = (flags & Tcp.Rst) != 0, fin = (flags & Tcp.Fin) != 0;
        bool pureSyn = syn && !ack && !rst && !fin;
        if (syn && (rst || fin)) return ConnState.Invalid;
        if (!exists) return pureSyn ? ConnState.New : ConnState.Invalid;
        if (pureSyn && c.Tcp is TcpState.TimeWait or TcpState.Closed)
        {
            restart = true; // a new connection on the same 5-tuple
            return ConnState.New;
        }
        if (!reply)
        {
            if (syn && ack) return ConnState.Invalid; // SYN-ACK comes from the responder
            return c.SeenReply ? ConnState.Established : ConnState.New;
        }
        if (c.Tcp == TcpState.SynSent && !(syn && ack) && !rst) return ConnState.Invalid;
        return ConnState.Established;
    }

    /// <summary>Move an accepted segment's connection along (RST closes; SYN-ACK, ACK, FINs advance).</summary>
    private static void Advance(ref Connection c, bool reply, int flags)
    {
        if (reply) c.SeenReply = true;
        if (c.Tcp == TcpState.None || flags < 0) return;
        if ((flags & Tcp.Rst) != 0) { c.Tcp = TcpState.Closed; return; }
        bool syn = (flags & Tcp.Syn) != 0, ack = (flags & Tcp.Ack) != 0;
        switch (c.Tcp)
        {
            case TcpState.SynSent when reply && syn && ack:
                c.Tcp = TcpState.SynReceived;
                break;
            case TcpState.SynReceived when !reply && ack && !syn:
                c.Tcp = TcpState.Established;
                break;
        }
        if ((flags & Tcp.Fin) != 0 && c.Tcp is TcpState.SynReceived or TcpState.Established or TcpState.FinWait)
        {
            c.FinSeen |= (byte)(reply ? 2 : 1);
            c.Tcp = c.FinSeen == 3 ? TcpState.TimeWait : TcpState.FinWait;
        }
    }
}
