using System.Globalization;
using System.Text;

namespace Switchboard.Plugins.Ips;

/// <summary>A rule that could not be parsed; the message says what and where.</summary>
public sealed class IpsRuleException(string message) : Exception(message);

/// <summary>
/// Parses the supported Snort subset:
/// <c>alert|drop tcp|udp|ip SRC SPORT -> DST DPORT (option; ...)</c>.
/// Addresses: <c>any</c>, an IPv4 address or CIDR prefix. Ports: <c>any</c>, <c>N</c>, <c>N:M</c>, <c>N:</c>, <c>:M</c>.
/// Options: <c>msg:"..."</c>, <c>content:"..."</c> (with <c>|41 42|</c> hex escapes and <c>\"</c>, <c>\\</c>, <c>\;</c>),
/// then per content <c>nocase</c>, <c>offset:N</c>, <c>depth:N</c>, <c>distance:N</c>, <c>within:N</c>;
/// <c>flow:</c> with <c>established</c>, <c>to_server</c>/<c>from_client</c>, <c>to_client</c>/<c>from_server</c>;
/// <c>sid:N</c> (required). Every rule needs at least one content (the matcher is content driven).
/// Not supported (rejected): negation, lists, variables, <c>pcre</c>, <c>&lt;&gt;</c>.
/// </summary>
public static class RuleParser
{
    /// <summary>Parse every rule; <paramref name="error"/> turns a failure of rule i into the exception to throw.</summary>
    public static IpsRule[] ParseAll(IReadOnlyList<string> rules, Func<int, IpsRuleException, Exception> error)
    {
        var result = new IpsRule[rules.Count];
        var sids = new HashSet<int>();
        for (int i = 0; i < rules.Count; i++)
        {
            try
            {
                result[i] = Parse(rules[i]);
                if (!sids.Add(result[i].Sid)) throw new IpsRuleException($"duplicate sid {result[i].Sid}");
            }
            catch (IpsRuleException e) { throw error(i, e); }
        }
        return result;
    }

    /// <summary>Parse one rule.</summary>
    public static IpsRule Parse(string text)
    {
        text = text.Trim();
        int open = text.IndexOf('(');
        if (open < 0 || !text.EndsWith(')')) throw new IpsRuleException("expected options in parentheses: ... (sid:N; ...)");
        var head = text[..open].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (head.Length != 7) throw new IpsRuleException("expected 'action proto src sport -> dst dport' before the options");
        var action = head[0] switch
        {
            "alert" => IpsAction.Alert,
            "drop" => IpsAction.Drop,
            _ => throw new IpsRuleException($"unknown action '{head[0]}'; expected alert or drop"),
        };
        var proto = head[1] switch
        {
            "tcp" => IpsProtocol.Tcp,
            "udp" => IpsProtocol.Udp,
            "ip" => IpsProtocol.Ip,
            _ => throw new IpsRuleException($"unknown protocol '{head[1]}'; expected tcp, udp or ip"),
        };
        if (head[4] != "->") throw new IpsRuleException($"expected '->' but found '{head[4]}' (bidirectional '<>' is not supported)");
        var src = Prefix(head[2]);
        var sport = Ports(head[3]);
        var dst = Prefix(head[5]);
        var dport = Ports(head[6]);

        string body = text[(open + 1)..^1];
        var contents = new List<IpsContent>();
        string msg = "";
        int sid = -1;
        var flow = IpsFlowDirection.Any;
        foreach (var (name, value) in Options(body))
        {
            switch (name)
            {
                case "msg": msg = Quoted(value, name); break;
                case "sid": sid = Number(value, name, 1); break;
                case "content": contents.Add(new IpsContent(ContentBytes(Quoted(value, name)), false, -1, -1, -1, -1)); break;
                case "nocase": Last(contents, name, c => c with { NoCase = true }); break;
                case "offset": Last(contents, name, c => c with { Offset = Number(value, name, 0) }); break;
                case "depth": Last(contents, name, c => c with { Depth = Number(value, name, 1) }); break;
                case "distance": Last(contents, name, c => c with { Distance = Number(value, name, 0) }); break;
                case "within": Last(contents, name, c => c with { Within = Number(value, name, 1) }); break;
                case "flow": flow = Flow(value); break;
                case "rev" or "classtype" or "priority" or "reference" or "metadata": break; // informational
                default: throw new IpsRuleException($"unsupported option '{name}'");
            }
        }
        if (sid < 0) throw new IpsRuleException("missing sid");
        if (contents.Count == 0) throw new IpsRuleException("a rule needs at least one content");
        if (contents[0].Distance >= 0 || contents[0].Within >= 0)
            throw new IpsRuleException("distance/within need a previous content");
        for (int i = 1; i < contents.Count; i++)
            if (contents[i].Offset >= 0 || contents[i].Depth >= 0)
                throw new IpsRuleException("offset/depth apply to the first content only in this subset; use distance/within");
        foreach (var c in contents)
        {
            if (c.Depth >= 0 && c.Depth < c.Pattern.Length) throw new IpsRuleException("depth is shorter than its content");
            if (c.Within >= 0 && c.Within < c.Pattern.Length) throw new IpsRuleException("within is shorter than its content");
        }
        return new IpsRule(action, proto, src, sport, dst, dport, contents, flow, sid, msg);
    }

    private static void Last(List<IpsContent> contents, string name, Func<IpsContent, IpsContent> change)
    {
        if (contents.Count == 0) throw new IpsRuleException($"'{name}' must follow a content");
        contents[^1] = change(contents[^1]);
    }

    /// <summary>Split "a:b; c; d:\"x;y\"" into options, honouring quotes and backslash escapes.</summary>
    private static IEnumerable<(string Name, string Value)> Options(string body)
    {
        var parts = new List<(string, string)>();
        var cur = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < body.Length; i++)
        {
            char ch = body[i];
            if (ch == '\\' && i + 1 < body.Length) { cur.Append(ch).Append(body[++i]); continue; }
            if (ch == '"') quoted = !quoted;
            if (ch == ';' && !quoted) { Add(cur.ToString()); cur.Clear(); continue; }
            cur.Append(ch);
        }
        if (quoted) throw new IpsRuleException("unterminated quote in options");
        Add(cur.ToString());
        return parts;

        void Add(string opt)
        {
            opt = opt.Trim();
            if (opt.Length == 0) return;
            int colon = opt.IndexOf(':');
            parts.Add(colon < 0 ? (opt, "") : (opt[..colon].Trim(), opt[(colon + 1)..].Trim()));
        }
    }

    private static string Quoted(string value, string name)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"') throw new IpsRuleException($"{name} needs a quoted value");
        var sb = new StringBuilder();
        for (int i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1) { sb.Append(value[++i]); continue; }
            sb.Append(value[i]);
        }
        return sb.ToString();
    }

    /// <summary>Content text with |hex| sections; other characters are taken as Latin-1 bytes.</summary>
    private static byte[] ContentBytes(string s)
    {
        var bytes = new List<byte>();
        int i = 0;
        while (i < s.Length)
        {
            if (s[i] == '|')
            {
                int end = s.IndexOf('|', i + 1);
                if (end < 0) throw new IpsRuleException("unterminated |hex| in content");
                var hex = s[(i + 1)..end].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                foreach (var h in hex)
                {
                    for (int k = 0; k < h.Length; k += 2)
                    {
                        if (k + 2 > h.Length || !byte.TryParse(h.AsSpan(k, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out byte b))
                            throw new IpsRuleException($"bad hex '{h}' in content");
                        bytes.Add(b);
                    }
                }
                i = end + 1;
                continue;
            }
            if (s[i] > 0xFF) throw new IpsRuleException("content characters must be Latin-1; use |hex| for other bytes");
            bytes.Add((byte)s[i++]);
        }
        if (bytes.Count == 0) throw new IpsRuleException("empty content");
        return bytes.ToArray();
    }

    private static int Number(string value, string name, int min)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min)
            throw new IpsRuleException($"{name} needs a number >= {min}, got '{value}'");
        return n;
    }

    private static IpsFlowDirection Flow(string value)
    {
        var dir = IpsFlowDirection.Any;
        foreach (var raw in value.Split(','))
        {
            switch (raw.Trim())
            {
                case "established" or "stateless": break; // stream data is always past the handshake
                case "to_server" or "from_client": dir = IpsFlowDirection.ToServer; break;
                case "to_client" or "from_server": dir = IpsFlowDirection.ToClient; break;
                default: throw new IpsRuleException($"unsupported flow keyword '{raw.Trim()}'");
            }
        }
        return dir;
    }

    private static IpsPrefix Prefix(string s)
    {
        if (s == "any") return IpsPrefix.Any;
        int slash = s.IndexOf('/');
        string addr = slash < 0 ? s : s[..slash];
        int len = 32;
        if (slash >= 0 && (!int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out len) || len > 32))
            throw new IpsRuleException($"bad prefix length in '{s}'");
        var octets = addr.Split('.');
        if (octets.Length != 4) throw new IpsRuleException($"bad address '{s}'; expected any or an IPv4 address/CIDR");
        uint a = 0;
        foreach (var o in octets)
        {
            if (!byte.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out byte b)) throw new IpsRuleException($"bad address '{s}'");
            a = a << 8 | b;
        }
        uint mask = len == 0 ? 0 : uint.MaxValue << (32 - len);
        return len == 0 ? IpsPrefix.Any : new IpsPrefix(a & mask, len);
    }

    private static IpsPorts Ports(string s)
    {
        if (s == "any") return IpsPorts.Any;
        int colon = s.IndexOf(':');
        if (colon < 0) { var p = Port(s, s); return new IpsPorts(p, p); }
        ushort lo = colon == 0 ? (ushort)0 : Port(s[..colon], s);
        ushort hi = colon == s.Length - 1 ? (ushort)65535 : Port(s[(colon + 1)..], s);
        if (lo > hi) throw new IpsRuleException($"empty port range '{s}'");
        return new IpsPorts(lo, hi);
    }

    private static ushort Port(string p, string whole) =>
        ushort.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out ushort v) ? v
            : throw new IpsRuleException($"bad port '{whole}'; expected any, N, N:M, N: or :M");
}
