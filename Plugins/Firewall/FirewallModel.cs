using System.Globalization;
using System.Text;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Firewall;

/// <summary>
/// Translates the firewall's config into its VMN model's parameters (firewall.vmn: <c>StatefulFirewall(acls, default_accept)</c>)
/// for the host's activation gate. The model speaks of IPv4 only, so each rule keeps the IPv4 part of its address
/// ranges and a rule that can match no IPv4 packet is left out (exact for IPv4 traffic). Where the model cannot say
/// what the plugin does, the translation widens towards forwarding so the model forwards at least what the NF does:
/// <list type="bullet">
/// <item>an accept rule matching <c>state new</c> or <c>state invalid</c> loses its state match (the model's
/// connections never expire, so "not established" in the model is narrower than "new" in the plugin);</item>
/// <item>a drop rule with a state match is left out (packets it drops fall through to the later rules);</item>
/// <item><c>in N</c> and <c>state related</c> go through the model's oracles (<c>arrived_on</c>, <c>related</c>),
/// which may take any value; a related match is confined to ICMP (protocol 1), as only ICMP errors are related.</item>
/// </list>
/// Rule lists (e.g. <c>port 80,443</c>) become one model rule per element of their cross product; address ranges
/// become CIDR prefixes.
/// </summary>
internal static class FirewallModel
{
    private const int MaxModelRules = 4096;
    private const string RelatedMatch = "\"related\":true";
    private const int MaxInputPorts = 256;
    private static readonly UInt128 V4Low = (UInt128)0xFFFF_0000_0000UL;
    private static readonly UInt128 V4High = (UInt128)0xFFFF_FFFF_FFFFUL;

    public static ModelConfiguration? Translate(IReadOnlyList<FirewallRule> rules, bool defaultAccept)
    {
        var acls = new List<string>();
        foreach (var rule in rules)
        {
            if (!AddRule(rule, acls)) return null;
            if (acls.Count > MaxModelRules) return null;
        }
        // The model's encoder needs a non-empty list; a catch-all rule with the default action means the same.
        if (acls.Count == 0) acls.Add("{\"accept\":" + Bool(defaultAccept) + "}");
        var json = "{\"acls\":[" + string.Join(",", acls) + "],\"default_accept\":" + Bool(defaultAccept) + "}";
        return new ModelConfiguration("StatefulFirewall", json);
    }

    /// <summary>Appends the model rules of <paramref name="rule"/>; false when it cannot be expressed soundly.</summary>
    private static bool AddRule(FirewallRule rule, List<string> acls)
    {
        bool accept = rule.Accept;
        var src = Prefixes(rule.Ranges(RuleField.Source));
        var dst = Prefixes(rule.Ranges(RuleField.Destination));
        if (src is { Count: 0 } || dst is { Count: 0 }) return true;          // matches no IPv4 packet
        var srcPorts = PortRanges(rule.Ranges(RuleField.SourcePort));
        var dstPorts = PortRanges(rule.Ranges(RuleField.DestinationPort));
        var protos = Values(rule.Ranges(RuleField.Protocol), 256);
        var inPorts = Values(rule.Ranges(RuleField.InputPort), MaxInputPorts);
        if (inPorts is null && rule.Ranges(RuleField.InputPort).Count > 0)
        {
            if (!accept) return true;                                         // too many to list: leave the drop out
        }
        var states = StateMatches(rule, out bool leaveOut);
        if (leaveOut) return true;

        foreach (var s in Or(src))
        foreach (var d in Or(dst))
        foreach (var sp in Or(srcPorts))
        foreach (var dp in Or(dstPorts))
        foreach (var pr in Or(protos))
        foreach (var ip in Or(inPorts))
        foreach (var st in Or(states))
        {
            // Only ICMP errors are related (IPv4: protocol 1), so the related oracle is confined to them.
            var proto = pr;
            if (st == RelatedMatch)
            {
                if (proto is not null && proto != "1") continue;
                proto = "1";
            }
            var sb = new StringBuilder("{");
            if (s is not null) sb.Append("\"src\":\"").Append(s).Append("\",");
            if (d is not null) sb.Append("\"dst\":\"").Append(d).Append("\",");
            if (sp is not null) sb.Append("\"src_port\":").Append(sp).Append(',');
            if (dp is not null) sb.Append("\"dst_port\":").Append(dp).Append(',');
            if (proto is not null) sb.Append("\"proto\":").Append(proto).Append(',');
            if (ip is not null) sb.Append("\"in_iface\":").Append(ip).Append(',');
            if (st is not null) sb.Append(st).Append(',');
            sb.Append("\"accept\":").Append(Bool(accept)).Append('}');
            acls.Add(sb.ToString());
            if (acls.Count > MaxModelRules) return false;
        }
        return true;
    }

    /// <summary>The state match as model fields (<c>"conn":…</c> or <c>"related":…</c>), one per alternative;
    /// null for no state match. <paramref name="leaveOut"/>: the rule must be left out.</summary>
    private static List<string?>? StateMatches(FirewallRule rule, out bool leaveOut)
    {
        leaveOut = false;
        var ranges = rule.Ranges(RuleField.State);
        if (ranges.Count == 0) return null;
        if (!rule.Accept) { leaveOut = true; return null; }
        var states = new HashSet<ConnState>();
        foreach (var r in ranges)
            for (var v = r.Low; v <= r.High; v++) states.Add((ConnState)(byte)v);
        if (states.Contains(ConnState.New) || states.Contains(ConnState.Invalid)) return null;   // widened
        var list = new List<string?>();
        if (states.Contains(ConnState.Established)) list.Add("\"conn\":true");
        if (states.Contains(ConnState.Related)) list.Add(RelatedMatch);
        return list;
    }

    /// <summary>The IPv4 part of address ranges as CIDR prefixes; null for "any IPv4 address".</summary>
    private static List<string?>? Prefixes(IReadOnlyList<ValueRange> ranges)
    {
        if (ranges.Count == 0) return null;
        var list = new List<string?>();
        foreach (var r in ranges)
        {
            if (r.High < V4Low || r.Low > V4High) continue;
            ulong lo = (ulong)((r.Low < V4Low ? V4Low : r.Low) - V4Low);
            ulong hi = (ulong)((r.High > V4High ? V4High : r.High) - V4Low);
            if (lo == 0 && hi == uint.MaxValue) return null;
            while (lo <= hi)
            {
                int bits = 0;
                while (bits < 32 && (lo & ((1UL << (bits + 1)) - 1)) == 0 && lo + (1UL << (bits + 1)) - 1 <= hi) bits++;
                list.Add(Address((uint)lo) + "/" + (32 - bits).ToString(CultureInfo.InvariantCulture));
                lo += 1UL << bits;
            }
        }
        return list;
    }

    /// <summary>Inclusive port ranges as the model's half-open <c>[lo, hi + 1]</c>; null for any port.</summary>
    private static List<string?>? PortRanges(IReadOnlyList<ValueRange> ranges)
    {
        if (ranges.Count == 0) return null;
        var list = new List<string?>();
        foreach (var r in ranges) list.Add("[" + ((ulong)r.Low).ToString(CultureInfo.InvariantCulture) + "," + ((ulong)r.High + 1).ToString(CultureInfo.InvariantCulture) + "]");
        return list;
    }

    /// <summary>Each value of the ranges; null for any value or more than <paramref name="max"/> values.</summary>
    private static List<string?>? Values(IReadOnlyList<ValueRange> ranges, int max)
    {
        if (ranges.Count == 0) return null;
        var list = new List<string?>();
        foreach (var r in ranges)
            for (var v = r.Low; v <= r.High; v++)
            {
                if (list.Count >= max) return null;
                list.Add(((ulong)v).ToString(CultureInfo.InvariantCulture));
            }
        return list;
    }

    /// <summary>The alternatives of one field: the list, or a single "no match" (null) for any value.</summary>
    private static IEnumerable<string?> Or(List<string?>? alternatives) => alternatives ?? [null];

    private static string Address(uint a) => $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}";

    private static string Bool(bool b) => b ? "true" : "false";
}
