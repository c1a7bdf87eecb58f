using Switchboard.Sdk;

namespace Switchboard.Plugins.Firewall;

/// <summary>
/// A stateful firewall (thesis listing 5: iptables / pfSense forwarding behaviour). Ordered
/// match-action rules, first match wins, else the default policy; rules match source and destination
/// prefixes (IPv4 and IPv6), port ranges, protocol, input port and connection state (new,
/// established, related, invalid). Rule syntax: see <see cref="RuleParser"/>. Connections are tracked
/// per core (a symmetric shuffle puts both directions of a connection on one core) with TCP states and
/// per-state idle timeouts.
/// <para>Config: <c>rules</c> (array of rule strings), <c>default</c> ("accept" | "drop", default "drop"),
/// <c>nonIp</c> (policy for frames without IP, default "accept"), <c>maxConnections</c> (per core,
/// default 65536), <c>whenFull</c> ("drop" | "accept" untracked, default "drop", like Linux),
/// <c>timeouts</c> (seconds: tcpSynSent, tcpSynReceived, tcpEstablished, tcpFinWait, tcpTimeWait,
/// tcpClosed, udp, udpStream, icmp, other).</para>
/// </summary>
[NetworkFunction("firewall", Description = "Stateful firewall: ordered rules (prefixes, ports, protocol, input port, ct state), first match wins")]
public sealed class FirewallNf : INetworkFunction, ICounterSource, IModelConfig
{
    private FirewallEngine _engine = null!;

    /// <summary>This core's engine (counters, connection table).</summary>
    public FirewallEngine Engine => _engine;

    public Pipe Build(Pipe input, NfContext context)
    {
        var cfg = context.Config;
        cfg.RejectUnknownKeys("rules", "default", "nonIp", "maxConnections", "whenFull", "timeouts");
        bool defaultAccept = Choice(cfg, "default", "drop", "accept", "drop") == "accept";
        bool nonIpAccept = Choice(cfg, "nonIp", "accept", "accept", "drop") == "accept";
        var whenFull = Choice(cfg, "whenFull", "drop", "drop", "accept") == "accept" ? WhenFull.Accept : WhenFull.Drop;
        int maxConnections = (int)cfg.GetInt("maxConnections", 65536, 1, 16_777_216);
        var timeouts = ReadTimeouts(cfg.Section("timeouts"));
        var ruleTexts = cfg.GetStrings("rules");
        // Parsed and compiled once; every core shares the immutable policy.
        var policy = context.Shared("policy", () => new FirewallPolicy(
            RuleParser.ParseAll(ruleTexts, (i, e) => new ConfigException($"{cfg.Path}.rules[{i}]", e.Message)), defaultAccept, nonIpAccept));

        var table = new ConnectionTable(maxConnections);
        _engine = new FirewallEngine(policy, table, timeouts, whenFull);
        context.Every(TimeSpan.FromSeconds(1), table.Tick);
        return input
            .TryParse<Ethernet>().TryParse<Ipv4>().TryParse<Ipv6>()
            .TryParse<Tcp>().TryParse<Icmp>().TryParse<Icmpv6>()
            .Shuffle(new ByConnection())
            .Filter(new Decide(_engine));
    }

    /// <summary>The rules and default policy as firewall.vmn's <c>StatefulFirewall</c> parameters (see <see cref="FirewallModel"/>).</summary>
    public ModelConfiguration? ModelConfig(NfConfig cfg)
    {
        cfg.RejectUnknownKeys("rules", "default", "nonIp", "maxConnections", "whenFull", "timeouts");
        bool defaultAccept = Choice(cfg, "default", "drop", "accept", "drop") == "accept";
        var rules = RuleParser.ParseAll(cfg.GetStrings("rules"), (i, e) => new ConfigException($"{cfg.Path}.rules[{i}]", e.Message));
        return FirewallModel.Translate(rules, defaultAccept);
    }

    public void ReadCounters(ICollection<KeyValuePair<string, long>> into)
    {
        var e = _engine;
        into.Add(new("accepted", e.Accepted));
        into.Add(new("dropped", e.Dropped));
        into.Add(new("non-ip", e.NonIp));
        into.Add(new("connections", e.Table.Count));
        into.Add(new("connections-created", e.Created));
        into.Add(new("connections-expired", e.Table.Expired));
        into.Add(new("table-full", e.TableFull));
        for (int s = 0; s < e.ByState.Length; s++) into.Add(new($"state-{((ConnState)s).ToString().ToLowerInvariant()}", e.ByState[s]));
        for (int i = 0; i < e.RuleHits.Length - 1; i++)
            if (e.RuleHits[i] != 0) into.Add(new($"rule-{i}", e.RuleHits[i]));
        into.Add(new("default-policy", e.RuleHits[^1]));
    }

    private static string Choice(NfConfig cfg, string key, string fallback, params string[] allowed)
    {
        string v = cfg.GetString(key, fallback);
        return Array.IndexOf(allowed, v) >= 0 ? v : throw new ConfigException($"{cfg.Path}.{key}", $"'{v}'; expected {string.Join(" or ", allowed)}");
    }

    private static ConnTimeouts ReadTimeouts(NfConfig t)
    {
        var d = new ConnTimeouts();
        t.RejectUnknownKeys("tcpSynSent", "tcpSynReceived", "tcpEstablished", "tcpFinWait", "tcpTimeWait", "tcpClosed", "udp", "udpStream", "icmp", "other");
        int Get(string key, int fallback) => (int)t.GetInt(key, fallback, 1, 30 * 86_400);
        return new ConnTimeouts(Get("tcpSynSent", d.TcpSynSent), Get("tcpSynReceived", d.TcpSynReceived), Get("tcpEstablished", d.TcpEstablished),
            Get("tcpFinWait", d.TcpFinWait), Get("tcpTimeWait", d.TcpTimeWait), Get("tcpClosed", d.TcpClosed), Get("udp", d.Udp),
            Get("udpStream", d.UdpStream), Get("icmp", d.Icmp), Get("other", d.Other));
    }

    /// <summary>Both directions of a connection, and ICMP errors about it, go to the same core.</summary>
    private readonly struct ByConnection : IShuffle
    {
        public uint Key(Packet p)
        {
            if (QuotedFlow.IsError(p, out var quoted, out bool readable) && readable) return quoted.SymmetricHash();
            return FlowKey.TryGet(p, out var key) ? key.SymmetricHash() : 0;
        }
    }

    private readonly struct Decide(FirewallEngine engine) : IFilter
    {
        public bool Keep(Packet p) => engine.Decide(p);
    }
}
