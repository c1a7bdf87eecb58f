using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Plugins.Firewall;

/// <summary>A rule that does not parse: which word, and why.</summary>
public sealed class RuleSyntaxException(int word, string token, string reason)
    : Exception(word > 0 ? $"word {word} '{token}': {reason}" : reason)
{
    /// <summary>1-based position of the offending word in the rule (0 for the rule as a whole).</summary>
    public int Word { get; } = word;
    public string Token { get; } = token;
    public string Reason { get; } = reason;
}

/// <summary>
/// Parses rules written the way an iptables / nftables user reads them:
/// <code>
/// accept tcp from 10.0.0.0/8 to 192.168.1.0/24 port 80,443 state new
/// accept state established,related
/// drop udp to any port 53
/// accept ip6 icmpv6 in 1
/// </code>
/// Grammar: <c>ACTION [CLAUSE...]</c>, clauses in any order, each at most once.
/// <list type="bullet">
/// <item>ACTION: <c>accept</c> (<c>allow</c>, <c>pass</c>) or <c>drop</c> (<c>deny</c>, <c>block</c>).</item>
/// <item>family: <c>ip</c> (IPv4 only), <c>ip6</c> (IPv6 only), <c>inet</c> (both, the default).</item>
/// <item>protocol: <c>tcp</c>, <c>udp</c>, <c>icmp</c>, <c>icmpv6</c>, <c>sctp</c>, <c>gre</c>, <c>esp</c>, <c>ah</c>, or <c>proto N</c>.</item>
/// <item><c>from ADDRS [port PORTS]</c>, <c>to ADDRS [port PORTS]</c>; ADDRS is <c>any</c> or a comma list of
/// addresses and prefixes (IPv4 and IPv6); the address may be left out before <c>port</c> (<c>to port 22</c>).
/// <c>sport PORTS</c> / <c>dport PORTS</c> are short forms. PORTS: comma list of <c>N</c> or <c>N-M</c> (or <c>N:M</c>);
/// port matches need <c>tcp</c>, <c>udp</c> or <c>sctp</c>.</item>
/// <item><c>in N[,N]</c> (or <c>iif</c>): the input port's index in the deployment.</item>
/// <item><c>state S[,S]</c> (or <c>ct state</c>): <c>new</c>, <c>established</c>, <c>related</c>, <c>invalid</c>.</item>
/// </list>
/// A <c>#</c> starts a comment.
/// </summary>
public static class RuleParser
{
    private static readonly UInt128 V4MappedLow = (UInt128)0xFFFF_0000_0000UL;
    private static readonly UInt128 V4MappedHigh = (UInt128)0xFFFF_FFFF_FFFFUL;

    private static readonly Dictionary<string, int> Protocols = new(StringComparer.OrdinalIgnoreCase)
    {
        ["icmp"] = 1, ["tcp"] = 6, ["udp"] = 17, ["gre"] = 47, ["esp"] = 50, ["ah"] = 51,
        ["icmpv6"] = 58, ["ipv6-icmp"] = 58, ["sctp"] = 132,
    };

    private const string Clauses = "ip, ip6, inet, a protocol (tcp, udp, icmp, icmpv6, sctp, gre, esp, ah, proto N), from, to, sport, dport, in, state";

    private enum Family { Any, V4, V6 }

    private readonly record struct Token(string Text, int Word);

    /// <summary>Parse one rule; throws <see cref="RuleSyntaxException"/> naming the offending word.</summary>
    public static FirewallRule Parse(string text)
    {
        var tokens = Tokenize(text);
        if (tokens.Count == 0) throw new RuleSyntaxException(0, "", "empty rule; expected 'accept ...' or 'drop ...'");
        var r = new Reader(tokens);
        var first = r.Next();
        bool accept = first.Text.ToLowerInvariant() switch
        {
            "accept" or "allow" or "pass" => true,
            "drop" or "deny" or "block" => false,
            "reject" => throw Error(first, "reject (answering with RST/ICMP) is not supported; use drop"),
            _ => throw Error(first, "a rule starts with its action: accept or drop"),
        };

        var ranges = new List<ValueRange>?[FirewallRule.FieldCount];
        Family family = Family.Any;
        Token? familyToken = null, protoToken = null, srcPortToken = null, dstPortToken = null;
        var seen = new HashSet<string>();
        var addressTokens = new List<(Token Token, Family Family)>();
        int protocol = -1;

        while (r.More)
        {
            var t = r.Next();
            string word = t.Text.ToLowerInvariant();
            string clause = word switch
            {
                "ip" or "ip6" or "inet" => "family",
                "proto" => "protocol",
                "sport" => "source port",
                "dport" => "destination port",
                "iif" => "in",
                "ct" => "state",
                _ when Protocols.ContainsKey(word) => "protocol",
                _ => word,
            };
            if (clause is "family" or "protocol" or "from" or "to" or "source port" or "destination port" or "in" or "state" && !seen.Add(clause))
                throw Error(t, $"the rule already has a {clause} match (each may appear once; use a list like 80,443 instead)");
            switch (word)
            {
                case "ip": family = Family.V4; familyToken = t; break;
                case "ip6": family = Family.V6; familyToken = t; break;
                case "inet": family = Family.Any; familyToken = t; break;
                case "proto":
                {
                    var v = r.Value(t, "a protocol name or number 0-255");
                    protocol = Protocols.TryGetValue(v.Text, out int p) ? p
                        : int.TryParse(v.Text, NumberStyles.None, CultureInfo.InvariantCulture, out p) && p <= 255 ? p
                        : throw Error(v, "unknown protocol; expected a name (tcp, udp, icmp, icmpv6, sctp, gre, esp, ah) or a number 0-255");
                    protoToken = v;
                    break;
                }
                case "from":
                case "to":
                {
                    bool src = word == "from";
                    var field = src ? RuleField.Source : RuleField.Destination;
                    if (!r.PeekIs("port"))
                        ranges[(int)field] = ParseAddresses(r, t, addressTokens);
                    if (r.PeekIs("port"))
                    {
                        var portWord = r.Next();
                        if (!seen.Add(src ? "source port" : "destination port"))
                            throw Error(portWord, "the rule already has this port match");
                        ranges[(int)(src ? RuleField.SourcePort : RuleField.DestinationPort)] = ParsePorts(r, portWord);
                        if (src) srcPortToken = portWord; else dstPortToken = portWord;
                    }
                    else if (ranges[(int)field] is null)
                        throw Error(t, $"'{word}' needs an address, prefix, 'any' or 'port ...'");
                    break;
                }
                case "sport":
                    ranges[(int)RuleField.SourcePort] = ParsePorts(r, t);
                    srcPortToken = t;
                    break;
                case "dport":
                    ranges[(int)RuleField.DestinationPort] = ParsePorts(r, t);
                    dstPortToken = t;
                    break;
                case "in":
                case "iif":
                    ranges[(int)RuleField.InputPort] = ParseList(r, t, "an input port number 0-65535", v =>
                        int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 65535 ? new ValueRange((uint)n, (uint)n) : null);
                    break;
                case "ct":
                    if (!r.PeekIs("state")) throw Error(t, "expected 'ct state ...'");
                    r.Next();
                    goto case "state";
                case "state":
                    ranges[(int)RuleField.State] = ParseList(r, t, "a state: new, established, related or invalid", v =>
                        Enum.TryParse<ConnState>(v, ignoreCase: true, out var s) && !int.TryParse(v, out _) ? new ValueRange((uint)s, (uint)s) : null);
                    break;
                default:
                    if (Protocols.TryGetValue(word, out int proto)) { protocol = proto; protoToken = t; break; }
                    throw Error(t, word is "port" ? "'port' follows 'from ADDR' or 'to ADDR' (or write sport/dport)"
                        : word is "any" ? "'any' belongs after 'from' or 'to'"
                        : $"unknown word; expected one of: {Clauses}");
            }
        }

        if (protocol >= 0) ranges[(int)RuleField.Protocol] = [new ValueRange((uint)protocol, (uint)protocol)];
        foreach (var pt in new[] { srcPortToken, dstPortToken })
            if (pt is { } tok && protocol is not (6 or 17 or 132))
                throw Error(tok, "port matches need the protocol: write tcp, udp or sctp in the rule");
        if (protocol == 1 && family == Family.V6) throw Error(protoToken!.Value, "icmp is IPv4; the rule is ip6 (use icmpv6)");
        if (protocol == 58 && family == Family.V4) throw Error(protoToken!.Value, "icmpv6 is IPv6; the rule is ip (use icmp)");

        // Families: explicit family vs addresses, and source vs destination families.
        foreach (var (tok, fam) in addressTokens)
            if (family != Family.Any && fam != family)
                throw Error(tok, $"{(fam == Family.V4 ? "IPv4" : "IPv6")} address in an {(family == Family.V4 ? "ip" : "ip6")} rule");
        var srcFamilies = FamiliesOf(ranges[(int)RuleField.Source]);
        var dstFamilies = FamiliesOf(ranges[(int)RuleField.Destination]);
        if (srcFamilies != 0 && dstFamilies != 0 && (srcFamilies & dstFamilies) == 0)
            throw Error(addressTokens[^1].Token, "the source and destination are of different IP versions, so the rule could never match");
        if (protocol == 1 && (srcFamilies | dstFamilies) == 2) throw Error(protoToken!.Value, "icmp is IPv4 but the addresses are IPv6 (use icmpv6)");
        if (protocol == 58 && (srcFamilies | dstFamilies) == 1) throw Error(protoToken!.Value, "icmpv6 is IPv6 but the addresses are IPv4 (use icmp)");
        if (family != Family.Any)
        {
            // Restrict an unset address side to the family (IPv4 lives at ::ffff:0:0/96).
            var familyRanges = family == Family.V4
                ? new List<ValueRange> { new(V4MappedLow, V4MappedHigh) }
                : [new(UInt128.Zero, V4MappedLow - 1), new(V4MappedHigh + 1, UInt128.MaxValue)];
            var src = ranges[(int)RuleField.Source];
            if (src is null || src.Exists(x => x.Low == 0 && x.High == UInt128.MaxValue)) ranges[(int)RuleField.Source] = familyRanges;
        }

        var final = new ValueRange[FirewallRule.FieldCount][];
        for (int f = 0; f < final.Length; f++) final[f] = Normalise(ranges[f], FirewallRule.MaxOf((RuleField)f));
        return new FirewallRule(accept, final, text.Trim());
    }

    /// <summary>Parse a list of rules; a failure names the rule's index.</summary>
    public static IReadOnlyList<FirewallRule> ParseAll(IReadOnlyList<string> rules, Func<int, RuleSyntaxException, Exception>? wrap = null)
    {
        var list = new List<FirewallRule>(rules.Count);
        for (int i = 0; i < rules.Count; i++)
        {
            try { list.Add(Parse(rules[i])); }
            catch (RuleSyntaxException e) { throw wrap?.Invoke(i, e) ?? new ArgumentException($"rules[{i}]: {e.Message}", e); }
        }
        return list;
    }

    private static int FamiliesOf(List<ValueRange>? ranges)
    {
        if (ranges is null) return 0;
        int fams = 0;
        foreach (var r in ranges)
            fams |= r.Low >= V4MappedLow && r.High <= V4MappedHigh ? 1              // inside ::ffff:0:0/96
                : r.High < V4MappedLow || r.Low > V4MappedHigh ? 2                   // outside it
                : 3;                                                                  // spans both ('any')
        return fams;
    }

    private static List<ValueRange> ParseAddresses(Reader r, Token clause, List<(Token, Family)> seen)
    {
        if (r.PeekIs("any")) { r.Next(); return [new(UInt128.Zero, UInt128.MaxValue)]; }
        return ParseList(r, clause, "an address or prefix (e.g. 10.0.0.0/8, 2001:db8::/32) or 'any'", null, tok =>
        {
            var range = ParsePrefix(tok, out bool v4);
            seen.Add((tok, v4 ? Family.V4 : Family.V6));
            return range;
        });
    }

    /// <summary>An address or CIDR prefix as a range of the 128-bit space.</summary>
    private static ValueRange ParsePrefix(Token t, out bool v4)
    {
        string s = t.Text;
        int slash = s.IndexOf('/');
        string addrText = slash < 0 ? s : s[..slash];
        if (!IPAddress.TryParse(addrText, out var addr) || addr.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || addrText.Contains('%') || (addr.AddressFamily == AddressFamily.InterNetwork && addrText.Count(c => c == '.') != 3))
            throw Error(t, "not an IPv4 or IPv6 address");
        v4 = addr.AddressFamily == AddressFamily.InterNetwork;
        int max = v4 ? 32 : 128;
        int len = max;
        if (slash >= 0 && (!int.TryParse(s[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out len) || len > max))
            throw Error(t, $"prefix length must be 0-{max}");
        var bytes = addr.GetAddressBytes();
        UInt128 value = 0;
        foreach (var b in bytes) value = (value << 8) | b;
        if (v4) value |= V4MappedLow;
        int hostBits = max - len;
        UInt128 hostMask = hostBits == 0 ? UInt128.Zero : (hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1);
        if ((value & hostMask) != 0)
        {
            var net = (value & ~hostMask) ^ (v4 ? V4MappedLow : UInt128.Zero);
            throw Error(t, $"host bits are set; did you mean {FormatPrefix(net, v4, len)}?");
        }
        return new ValueRange(value, value | hostMask);
    }

    private static string FormatPrefix(UInt128 value, bool v4, int len)
    {
        var bytes = new byte[v4 ? 4 : 16];
        for (int i = bytes.Length - 1; i >= 0; i--, value >>= 8) bytes[i] = (byte)value;
        return $"{new IPAddress(bytes)}/{len}";
    }

    private static List<ValueRange> ParsePorts(Reader r, Token clause) =>
        ParseList(r, clause, "a port (0-65535) or range like 1024-65535", null, tok =>
        {
            string s = tok.Text;
            int dash = s.IndexOfAny(['-', ':']);
            if (dash < 0) return new ValueRange(Port(tok, s), Port(tok, s));
            uint lo = Port(tok, s[..dash]), hi = Port(tok, s[(dash + 1)..]);
            if (lo > hi) throw Error(tok, $"port range is reversed; did you mean {hi}-{lo}?");
            return new ValueRange(lo, hi);
        });

    private static uint Port(Token t, string s) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out uint p) && p <= 65535 ? p
            : throw Error(t, "port must be a number 0-65535 (or a range N-M)");

    /// <summary>A comma list after <paramref name="clause"/>: item (, item)*.</summary>
    private static List<ValueRange> ParseList(Reader r, Token clause, string expected, Func<string, ValueRange?>? simple,
        Func<Token, ValueRange>? full = null)
    {
        var list = new List<ValueRange>();
        while (true)
        {
            var v = r.Value(clause, expected);
            if (v.Text == ",") throw Error(v, $"expected {expected}");
            list.Add(full is not null ? full(v) : simple!(v.Text.ToLowerInvariant()) ?? throw Error(v, $"expected {expected}"));
            if (!r.PeekIs(",")) return list;
            r.Next();
        }
    }

    /// <summary>Sort and merge overlapping or adjacent ranges; a full-domain result means "any" (empty).</summary>
    private static ValueRange[] Normalise(List<ValueRange>? ranges, UInt128 max)
    {
        if (ranges is null) return [];
        var sorted = ranges.OrderBy(x => x.Low).ToList();
        var merged = new List<ValueRange>();
        foreach (var x in sorted)
        {
            if (merged.Count > 0 && (merged[^1].High == UInt128.MaxValue || x.Low <= merged[^1].High + 1))
            {
                var last = merged[^1];
                merged[^1] = new ValueRange(last.Low, x.High > last.High ? x.High : last.High);
            }
            else merged.Add(x);
        }
        return merged.Count == 1 && merged[0].Low == 0 && merged[0].High >= max ? [] : merged.ToArray();
    }

    private static List<Token> Tokenize(string text)
    {
        int hash = text.IndexOf('#');
        if (hash >= 0) text = text[..hash];
        var tokens = new List<Token>();
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        for (int w = 0; w < words.Length; w++)
        {
            var parts = words[w].Split(',');
            for (int i = 0; i < parts.Length; i++)
            {
                if (i > 0) tokens.Add(new Token(",", w + 1));
                if (parts[i].Length > 0) tokens.Add(new Token(parts[i], w + 1));
            }
        }
        return tokens;
    }

    private static RuleSyntaxException Error(Token t, string reason) => new(t.Word, t.Text, reason);

    private sealed class Reader(List<Token> tokens)
    {
        private int _i;
        public bool More => _i < tokens.Count;
        public Token Next() => tokens[_i++];
        public bool PeekIs(string word) => _i < tokens.Count && tokens[_i].Text.Equals(word, StringComparison.OrdinalIgnoreCase);

        /// <summary>The value after <paramref name="after"/>; an error naming it when the rule ends there.</summary>
        public Token Value(Token after, string expected) =>
            More ? Next() : throw new RuleSyntaxException(after.Word, after.Text, $"the rule ends here; expected {expected} after it");
    }
}
