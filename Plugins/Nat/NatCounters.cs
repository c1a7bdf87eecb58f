namespace Switchboard.Plugins.Nat;

/// <summary>One core's NAT counters (written only by that core).</summary>
public sealed class NatCounters
{
    public long SnatOut, SnatIn, DnatIn, DnatOut, IcmpErrors;
    public long Created, Expired;
    /// <summary>New connections dropped because their public address had no free port on this core.</summary>
    public long PortsExhausted;
    /// <summary>New connections dropped because this core's mapping table was full.</summary>
    public long TableFull;
    /// <summary>Packets to a public address that match no mapping or forward (dropped, like iptables' INVALID / no conntrack).</summary>
    public long Unsolicited;
    public long Fragments, Unsupported, Malformed;

    internal void Read(ICollection<KeyValuePair<string, long>> into, int active)
    {
        into.Add(new("mappings", active));
        into.Add(new("snat-out", SnatOut));
        into.Add(new("snat-in", SnatIn));
        into.Add(new("dnat-in", DnatIn));
        into.Add(new("dnat-out", DnatOut));
        into.Add(new("icmp-errors", IcmpErrors));
        into.Add(new("created", Created));
        into.Add(new("expired", Expired));
        into.Add(new("ports-exhausted", PortsExhausted));
        into.Add(new("table-full", TableFull));
        into.Add(new("unsolicited", Unsolicited));
        into.Add(new("fragments", Fragments));
        into.Add(new("unsupported", Unsupported));
        into.Add(new("malformed", Malformed));
    }
}
