namespace Switchboard.Plugins.Firewall;

/// <summary>Connection-tracking state of a packet, as iptables' <c>-m state</c> / nftables' <c>ct state</c> name it.</summary>
public enum ConnState : byte
{
    /// <summary>Opens a connection, or belongs to one that has not seen a reply yet.</summary>
    New = 0,
    /// <summary>Belongs to a connection that has seen packets in both directions.</summary>
    Established = 1,
    /// <summary>An ICMP error about a tracked connection.</summary>
    Related = 2,
    /// <summary>Fits no connection: a TCP segment other than SYN with no connection, an echo reply or
    /// ICMP error with nothing to answer, a SYN-ACK from the initiator...</summary>
    Invalid = 3,
}

/// <summary>The fields a rule matches on, one value per field.</summary>
public enum RuleField
{
    Source, Destination, SourcePort, DestinationPort, Protocol, InputPort, State,
}

/// <summary>An inclusive range of field values.</summary>
public readonly record struct ValueRange(UInt128 Low, UInt128 High)
{
    public bool Contains(UInt128 v) => v >= Low && v <= High;
}

/// <summary>
/// The header fields of one packet as the classifier sees them. Addresses are 128-bit, IPv4 as
/// IPv4-mapped IPv6 (::ffff:a.b.c.d), so one rule space covers both families. Ports are
/// <see cref="NoPort"/> for packets without them (non-TCP/UDP, IP fragments), so port rules never match those.
/// </summary>
public struct PacketFields
{
    /// <summary>The port value of a packet that carries no ports.</summary>
    public const int NoPort = 65536;

    public UInt128 Source, Destination;
    public int SourcePort, DestinationPort;
    public int Protocol;
    public int InputPort;
    public ConnState State;

    public readonly UInt128 Get(RuleField f) => f switch
    {
        RuleField.Source => Source,
        RuleField.Destination => Destination,
        RuleField.SourcePort => (uint)SourcePort,
        RuleField.DestinationPort => (uint)DestinationPort,
        RuleField.Protocol => (uint)Protocol,
        RuleField.InputPort => (uint)InputPort,
        _ => (uint)State,
    };
}

/// <summary>
/// One parsed match-action rule (thesis listing 5's <c>Rule</c>): for each field, the ranges it
/// accepts (several for lists such as <c>port 80,443</c>); a field with no ranges matches anything.
/// </summary>
public sealed class FirewallRule
{
    /// <summary>Largest value of each field's domain (ports include <see cref="PacketFields.NoPort"/>).</summary>
    public static UInt128 MaxOf(RuleField f) => f switch
    {
        RuleField.Source or RuleField.Destination => UInt128.MaxValue,
        RuleField.SourcePort or RuleField.DestinationPort => PacketFields.NoPort,
        RuleField.Protocol => 255,
        RuleField.InputPort => 65535,
        _ => (uint)ConnState.Invalid,
    };

    public const int FieldCount = 7;

    private readonly ValueRange[][] _ranges;

    public FirewallRule(bool accept, ValueRange[][] ranges, string text)
    {
        if (ranges.Length != FieldCount) throw new ArgumentException($"expected {FieldCount} fields", nameof(ranges));
        Accept = accept;
        _ranges = ranges;
        Text = text;
    }

    /// <summary>Accept (forward) or drop what matches.</summary>
    public bool Accept { get; }
    /// <summary>The rule as written.</summary>
    public string Text { get; }

    /// <summary>The ranges of one field, disjoint and sorted; empty means any value.</summary>
    public IReadOnlyList<ValueRange> Ranges(RuleField f) => _ranges[(int)f];

    /// <summary>Whether every field of <paramref name="p"/> lies in this rule's ranges (the linear reference's test).</summary>
    public bool Matches(in PacketFields p)
    {
        for (int f = 0; f < FieldCount; f++)
        {
            var rs = _ranges[f];
            if (rs.Length == 0) continue;
            var v = p.Get((RuleField)f);
            bool hit = false;
            foreach (var r in rs)
                if (r.Contains(v)) { hit = true; break; }
            if (!hit) return false;
        }
        return true;
    }

    public override string ToString() => Text;
}
